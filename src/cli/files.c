/* The files of a command: the checks of its outputs and inputs made before
 * any work, the disk space reserved for a model file, and what a corpus held
 * that was skipped or repaired (core/error.h, text/text.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "io/json.h"
#include "nmt.h"

int nmt_cli_check_files(const char *cmd, const nmt_file_arg *out, int nout, const nmt_file_arg *in, int nin) {
    int rc = nmt_check_outputs(out, nout, in, nin);
    if (rc == 0) return -1;
    fprintf(stderr, "nmt %s: %s\n", cmd, nmt_last_error());
    return rc == -2 ? 2 : 1;
}

/* An upper bound of the size of m's file after its first epochs: the tensors,
 * and the header holding the model document (with the history of a few epochs)
 * escaped as a JSON string, with room to spare. */
static size_t model_file_bound(const nmt_model *m) {
    char sha[65];
    memset(sha, '0', 64);
    sha[64] = 0;
    char *doc = nmt_json_model_doc(m, sha);
    size_t doc_len = doc ? strlen(doc) : 0;
    free(doc);
    return 8 + 2 * doc_len + 256 * (size_t)m->table.n + 16384 + m->table.total * sizeof(float);
}

int nmt_cli_reserve_model(const char *cmd, const char *path, const nmt_model *m) {
    if (!path || nmt_atomic_reserve(path, model_file_bound(m)) == 0) return 0;
    fprintf(stderr, "nmt %s: %s\n", cmd, nmt_last_error());
    return 1;
}

void nmt_cli_corpus_notes(const char *cmd, const char *path, const nmt_corpus *c) {
    char text[1024];
    if (nmt_corpus_notes_text(&c->notes, text, sizeof text))
        fprintf(stderr, "nmt %s: warning: %s: %s (--strict refuses such lines)\n", cmd, path, text);
}
