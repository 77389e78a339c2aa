/* nmt plot: training curves of --log files or model files as one SVG picture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "io/json.h"
#include "io/plot.h"
#include "nmt.h"

/* The records of a --log file (one JSON object per line; blank lines are
 * skipped) or, for anything else, of a model file's history. */
static int read_run(const char *path, nmt_epoch_record **out, int *n) {
    nmt_lines t;
    *out = NULL, *n = 0;
    if (nmt_read_lines(&t, path)) return -1;
    size_t first = 0;   // the first non-blank line
    while (first < t.n && strspn(t.line[first], " \t\r") >= t.len[first]) first++;
    if (first == t.n || t.line[first][strspn(t.line[first], " \t")] != '{') {   // not a log: a model file
        nmt_lines_free(&t);
        nmt_model m;
        if (nmt_model_load(&m, path)) {
            char why[512];
            snprintf(why, sizeof why, "%s", nmt_last_error());
            return nmt_error("%s: neither a training log (JSON lines) nor a model file (%s)", path, why);
        }
        if (m.n_history) {
            *out = nmt_xcalloc((size_t)m.n_history, sizeof **out);
            memcpy(*out, m.history, sizeof **out * (size_t)m.n_history);
        }
        *n = m.n_history;
        nmt_model_free(&m);
        return *n ? 0 : nmt_error("%s: the model has no training history", path);
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
    nmt_plot_run *runs = nmt_xcalloc((size_t)cli.nwords, sizeof *runs);
    int rc = 0;
    for (int i = 0; i < cli.nwords && !rc; i++) {
        if (!strcmp(cli.words[i], out)) {
            fprintf(stderr, "nmt plot: %s is both a run and the output\n", out);
            rc = 2;
            break;
        }
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
