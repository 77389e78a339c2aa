/* Pictures as plain SVG 1.1 (no scripts, no external resources; any browser
 * or rsvg-convert shows them), written atomically (core/error.h):
 *   - training curves: loss and accuracy per epoch, training (solid) and
 *     validation (dashed), one colour per run, with a legend;
 *   - an attention heat map: the weight each output token gave each source
 *     token.
 * Both return 0, or -1 with a message naming the file. */
#ifndef NMT_IO_PLOT_H
#define NMT_IO_PLOT_H
#include "models/model.h"

typedef struct {
    const char *label;               /* legend text (e.g. the log's file name) */
    const nmt_epoch_record *epochs;  /* n of them; NaN values leave a gap */
    int n;
} nmt_plot_run;

int nmt_plot_history(const char *path, const nmt_plot_run *runs, int nruns);

/* w (n_out, n_src), row i: output token out[i]'s weights over the source
 * tokens src[0..n_src); title above (may be NULL). */
int nmt_plot_attention(const char *path, const char *title, const char *const *src, int n_src,
                       const char *const *out, int n_out, const float *w);
#endif
