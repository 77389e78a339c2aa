/* nmt plot: training curves of --log files or model files as one SVG picture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "io/json.h"
#include "io/plot.h"
#include "io/safetensors.h"
#include "nmt.h"

/* The records of a --log file (one JSON object per line; blank lines are
 * skipped) or of a model file's history. The file is read once (a pipe
 * works), at most as much as a model file may hold; what parses as a model
 * file is one. */
static int read_run(const char *path, nmt_epoch_record **out, int *n) {
    *out = NULL, *n = 0;
    char *buf;
    size_t size;
    if (nmt_read_file_max(path, NMT_ST_MAX_FILE, "the limit of a model file", &buf, &size)) return -1;
    nmt_st_file st;
    if (nmt_st_parse(&st, buf, size, path) == 0) {   // a model file
        free(buf);
        nmt_model m;
        int rc = nmt_model_load_st(&m, &st, path);
        nmt_st_free(&st);
        if (rc) return -1;
        if (m.n_history) {
            *out = nmt_xcalloc((size_t)m.n_history, sizeof **out);
            memcpy(*out, m.history, sizeof **out * (size_t)m.n_history);
        }
        *n = m.n_history;
        nmt_model_free(&m);
        return *n ? 0 : nmt_error("%s: the model has no training history", path);
    }
    char why[512];
    snprintf(why, sizeof why, "%s", nmt_last_error());
    nmt_lines t;
    nmt_lines_split(&t, buf, size);
    size_t first = 0;   // the first non-blank line
    while (first < t.n && strspn(t.line[first], " \t\r") >= t.len[first]) first++;
    if (first == t.n || t.line[first][strspn(t.line[first], " \t")] != '{') {   // neither
        nmt_lines_free(&t);
        return nmt_error("%s: neither a training log (JSON lines) nor a model file (%s)", path, why);
    }
    if (size > nmt_text_max_bytes()) {
        nmt_lines_free(&t);
        return nmt_error("%s: larger than %zu bytes, the limit of a text input (NMT_MAX_TEXT_BYTES)", path,
                         nmt_text_max_bytes());
    }
    *out = nmt_xcalloc(t.n, sizeof **out);
    int rc = 0;
    for (size_t i = first; i < t.n && rc == 0; i++)
        if (strspn(t.line[i], " \t\r") < t.len[i])   // blank lines are skipped
            rc = nmt_json_epoch_record_parse(&(*out)[(*n)++], t.line[i], t.len[i], path, (long)i + 1);
    nmt_lines_free(&t);
    if (!rc && !*n) rc = nmt_error("%s: no epochs in the log", path);
    return rc;
}

int nmt_cmd_plot(int argc, char **argv) {
    const char *out;
    nmt_flag flags[] = {
        {.name = "--out", .alias = "-o", .kind = NMT_FLAG_STRING, .ptr = &out, .arg = "FILE.svg", .required = 1,
         .nonempty = 1, .help = "the picture (SVG), written atomically"},
    };
    nmt_cli cli = {.name = "plot", .flags = flags, .nflags = 1, .args = NMT_ARGS_MANY, .arg_name = "RUN",
                   .arg_what = "training log or model file",
                   .about = "Draws loss and accuracy per epoch, training (solid) and validation (dashed), of each\n"
                            "RUN: a `nmt train --log` file, or a model file (its recorded history). One colour\n"
                            "per RUN, labelled with its file name.\n"};
    int status = nmt_cli_parse(&cli, argc, argv);
    if (status >= 0) return status;
    // the picture is neither a device nor one of the runs
    const nmt_file_arg outs[] = {{"--out", out}};
    nmt_file_arg *ins = nmt_xcalloc((size_t)cli.nwords, sizeof *ins);
    for (int i = 0; i < cli.nwords; i++) ins[i] = (nmt_file_arg){"run", cli.words[i]};
    status = nmt_cli_check_files("plot", outs, 1, ins, cli.nwords);
    free(ins);
    if (status >= 0) {
        free(cli.words);
        return status;
    }
    nmt_plot_run *runs = nmt_xcalloc((size_t)cli.nwords, sizeof *runs);
    int rc = 0;
    for (int i = 0; i < cli.nwords && !rc; i++) {
        nmt_epoch_record *e;
        if (read_run(cli.words[i], &e, &runs[i].n)) {
            fprintf(stderr, "nmt plot: %s\n", nmt_last_error());
            rc = 1;
        }
        runs[i].epochs = e;
        const char *slash = strrchr(cli.words[i], '/');
        runs[i].label = slash ? slash + 1 : cli.words[i];
    }
    if (!rc && nmt_plot_history(out, runs, cli.nwords)) {
        fprintf(stderr, "nmt plot: %s\n", nmt_last_error());
        rc = 1;
    }
    for (int i = 0; i < cli.nwords; i++) free((void *)runs[i].epochs);
    free(runs);
    free(cli.words);
    return rc;
}
