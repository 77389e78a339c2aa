/* nmt score: corpus BLEU and chrF of translations against references, as
 * sacreBLEU computes and prints them by default (docs/METRICS.md). The files
 * are line-aligned: line i of --hyp (or stdin) is the translation whose
 * reference is line i of --ref. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/error.h"
#include "io/json.h"
#include "text/metrics.h"

/* sacreBLEU's signatures of the settings nmt implements (without its version) */
#define BLEU_SIGNATURE "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp"
#define CHRF_SIGNATURE "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no"

/* One line: {"sentences": N, "bleu": ..., "bleu_precision_1".."_4", "bleu_bp",
 * "bleu_ratio", "bleu_hyp_len", "bleu_ref_len", "chrf": ..., and the two signatures}. */
static char *result_json(const nmt_metrics *m, const nmt_bleu *b, double chrf) {
    nmt_json *o = nmt_json_new_object();
    int bad = nmt_json_set_int(o, "sentences", m->sentences) || nmt_json_set_real(o, "bleu", b->score);
    for (int k = 0; k < NMT_BLEU_ORDER; k++) {
        char key[32];
        snprintf(key, sizeof key, "bleu_precision_%d", k + 1);
        bad = bad || nmt_json_set_real(o, key, b->precisions[k]);
    }
    bad = bad || nmt_json_set_real(o, "bleu_bp", b->bp) || nmt_json_set_real(o, "bleu_ratio", b->ratio) ||
          nmt_json_set_int(o, "bleu_hyp_len", b->hyp_len) || nmt_json_set_int(o, "bleu_ref_len", b->ref_len) ||
          nmt_json_set_real(o, "chrf", chrf) || nmt_json_set_str(o, "bleu_signature", BLEU_SIGNATURE) ||
          nmt_json_set_str(o, "chrf_signature", CHRF_SIGNATURE);
    char *text = bad ? NULL : nmt_json_dump(o, NMT_JSON_SPACED);
    nmt_json_free(o);
    return text;
}

int nmt_cmd_score(int argc, char **argv) {
    const char *ref_path, *hyp_path;
    int json;
    nmt_flag flags[] = {
        {.name = "--ref", .kind = NMT_FLAG_STRING, .ptr = &ref_path, .arg = "FILE", .required = 1, .nonempty = 1,
         .help = "the reference translations, one per line"},
        {.name = "--hyp", .kind = NMT_FLAG_STRING, .ptr = &hyp_path, .arg = "FILE", .nonempty = 1,
         .def_text = "stdin", .help = "the translations to score, line i for line i of --ref"},
        {.name = "--json", .kind = NMT_FLAG_BOOL, .ptr = &json,
         .help = "print one JSON object (scores and BLEU's details) instead of two lines"},
    };
    nmt_cli cli = {.name = "score", .flags = flags, .nflags = (int)(sizeof flags / sizeof *flags),
                   .about = "Scores translations against references as sacreBLEU 2.x does by default: corpus BLEU\n"
                            "(13a tokenizer, exp smoothing, case-sensitive) and chrF2, printed as sacreBLEU\n"
                            "prints them:\n"
                            "  BLEU = 29.74 82.1/52.2/31.6/6.7 (BP = 0.965 ratio = 0.966 hyp_len = 28 ref_len = 29)\n"
                            "  chrF2 = 68.78\n"
                            "The two files must have the same number of lines (a CR before a line's end is\n"
                            "ignored).\n"};
    int status = nmt_cli_parse(&cli, argc, argv);
    if (status >= 0) return status;

    const char *hyp_name = hyp_path ? hyp_path : "standard input";
    nmt_lines ref, hyp;
    if (nmt_read_lines(&ref, ref_path)) {
        fprintf(stderr, "nmt score: %s\n", nmt_last_error());
        return 1;
    }
    if (nmt_read_lines(&hyp, hyp_path)) {
        fprintf(stderr, "nmt score: %s\n", nmt_last_error());
        nmt_lines_free(&ref);
        return 1;
    }
    int rc = 0;
    if (hyp.n != ref.n) {
        fprintf(stderr, "nmt score: %s has %zu lines but %s has %zu: the files must be line-aligned\n", hyp_name,
                hyp.n, ref_path, ref.n);
        rc = 1;
        goto done;
    }
    nmt_metrics m;
    nmt_metrics_init(&m);
    for (size_t i = 0; i < ref.n; i++) nmt_metrics_add_n(&m, hyp.line[i], hyp.len[i], ref.line[i], ref.len[i]);
    nmt_bleu b;
    nmt_metrics_bleu(&m, &b);
    const double chrf = nmt_metrics_chrf(&m);
    if (json) {
        char *text = result_json(&m, &b, chrf);
        if (!text) {
            fprintf(stderr, "nmt score: %s\n", nmt_last_error());
            rc = 1;
            goto done;
        }
        printf("%s\n", text);
        free(text);
    } else {
        char bleu_text[NMT_METRICS_TEXT_MAX], chrf_text[NMT_METRICS_TEXT_MAX];
        nmt_bleu_text(&b, bleu_text);
        nmt_chrf_text(chrf, chrf_text);
        printf("%s\n%s\n", bleu_text, chrf_text);
    }
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "nmt score: cannot write the result to standard output\n");
        rc = 1;
    }
done:
    nmt_lines_free(&ref);
    nmt_lines_free(&hyp);
    return rc;
}
