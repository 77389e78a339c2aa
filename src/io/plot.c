/* SVG pictures (plot.h): a text buffer of SVG elements, then one atomic write. */
#include "io/plot.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

typedef struct {
    char *s;
    size_t n, cap;
} buf;

static void put(buf *b, const char *fmt, ...) NMT_PRINTF(2, 3);
static void put(buf *b, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k >= 0 && (size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        b->cap = b->cap * 2 + (size_t)(k > 0 ? k : 0) + 256;
        b->s = nmt_xrealloc(b->s, b->cap);
    }
}

/* Text content with &, <, >, " escaped; invalid UTF-8 bytes become U+FFFD so
 * that the file stays well-formed XML (tokens are the model's: normally UTF-8). */
static void put_text(buf *b, const char *t) {
    const unsigned char *p = (const unsigned char *)t;
    while (*p) {
        int n = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
        for (int i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80) n = 0;
        if (n == 1 && (*p < 0x20 && *p != '\t')) n = 0;   // control characters are not XML
        if (n == 0) put(b, "\xEF\xBF\xBD"), p++;
        else if (*p == '&') put(b, "&amp;"), p++;
        else if (*p == '<') put(b, "&lt;"), p++;
        else if (*p == '>') put(b, "&gt;"), p++;
        else if (*p == '"') put(b, "&quot;"), p++;
        else put(b, "%.*s", n, (const char *)p), p += n;
    }
}

static void label(buf *b, double x, double y, const char *anchor, double rotate, const char *t) {
    put(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"", x, y, anchor);
    if (rotate != 0) put(b, " transform=\"rotate(%.0f %.1f %.1f)\"", rotate, x, y);
    put(b, ">");
    put_text(b, t);
    put(b, "</text>\n");
}

static void begin(buf *b, double w, double h) {
    put(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    put(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\" "
           "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n",
        w, h, w, h);
    put(b, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
}

static int finish(buf *b, const char *path) {
    put(b, "</svg>\n");
    int rc = nmt_write_file_atomic(path, b->s, b->n);
    free(b->s);
    return rc;
}

/* ---- training curves ------------------------------------------------------- */

/* Tick step for [lo, hi]: 1, 2 or 5 times a power of ten, about 5 ticks. */
static double tick_step(double lo, double hi) {
    double raw = (hi - lo) / 5, p = pow(10, floor(log10(raw))), m = raw / p;
    return p * (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10);
}

static const char *const COLORS[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                     "#9467bd", "#8c564b", "#e377c2", "#17becf"};

enum { PW = 400, PH = 260, ML = 60, MT = 40, GAP = 90 };   // panel size, margins

/* One panel at x0: metric k (0 loss, 1 accuracy) of every run. */
static void panel(buf *b, double x0, const char *title, int k, const nmt_plot_run *runs, int nruns) {
    double lo = INFINITY, hi = -INFINITY;
    int emin = 1 << 30, emax = -(1 << 30);
    for (int r = 0; r < nruns; r++)
        for (int i = 0; i < runs[r].n; i++) {
            const nmt_epoch_record *e = &runs[r].epochs[i];
            const double v[2] = {k ? e->accuracy : e->loss, k ? e->val_accuracy : e->val_loss};
            for (int j = 0; j < 2; j++)
                if (isfinite(v[j])) lo = fmin(lo, v[j]), hi = fmax(hi, v[j]);
            emin = e->epoch < emin ? e->epoch : emin;
            emax = e->epoch > emax ? e->epoch : emax;
        }
    if (!(lo <= hi)) lo = 0, hi = 1;   // nothing finite to show
    if (hi - lo < 1e-9) lo -= 0.5, hi += 0.5;
    const double pad = (hi - lo) * 0.05;
    lo -= pad, hi += pad;
    if (emin > emax) emin = 1, emax = 1;
    const double e0 = emin - 0.5, e1 = emax + 0.5;
#define PX(e) (x0 + (((e) - e0) / (e1 - e0)) * PW)
#define PY(v) (MT + (1 - ((v) - lo) / (hi - lo)) * PH)
    put(b, "<g>\n");
    label(b, x0 + PW / 2.0, MT - 14, "middle", 0, title);
    put(b, "<rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n", x0, MT, PW, PH);
    // y ticks and grid
    const double ys = tick_step(lo, hi);
    for (double v = ceil(lo / ys) * ys; v <= hi + 1e-12; v += ys) {
        const double y = PY(v);
        char t[32];
        snprintf(t, sizeof t, "%g", fabs(v) < ys * 1e-6 ? 0 : v);
        put(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x0, y, x0 + PW, y);
        label(b, x0 - 6, y + 4, "end", 0, t);
    }
    // x ticks: every epoch, or a 1-2-5 step
    const int xs = emax - emin < 15 ? 1 : (int)tick_step(emin, emax);
    for (int e = (emin + xs - 1) / xs * xs; e <= emax; e += xs) {
        char t[16];
        snprintf(t, sizeof t, "%d", e);
        put(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#444\"/>\n", PX(e), MT + PH, PX(e),
            MT + PH + 5);
        label(b, PX(e), MT + PH + 18, "middle", 0, t);
    }
    label(b, x0 + PW / 2.0, MT + PH + 36, "middle", 0, "epoch");
    label(b, x0 - 44, MT + PH / 2.0, "middle", -90, title);
    // the curves: a polyline per run of consecutive finite values, and a dot per value
    for (int r = 0; r < nruns; r++) {
        const char *col = COLORS[r % 8];
        for (int j = 0; j < 2; j++) {
            int points = 0;   // in the open polyline
            for (int i = 0; i < runs[r].n; i++) {
                const nmt_epoch_record *e = &runs[r].epochs[i];
                const double v = j ? (k ? e->val_accuracy : e->val_loss) : (k ? e->accuracy : e->loss);
                if (!isfinite(v)) {
                    if (points) put(b, "\"/>\n"), points = 0;
                    continue;
                }
                if (!points)
                    put(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", col,
                        j ? " stroke-dasharray=\"6 4\"" : "");
                put(b, "%s%.1f,%.1f", points++ ? " " : "", PX(e->epoch), PY(v));
            }
            if (points) put(b, "\"/>\n");
            for (int i = 0; i < runs[r].n; i++) {
                const nmt_epoch_record *e = &runs[r].epochs[i];
                const double v = j ? (k ? e->val_accuracy : e->val_loss) : (k ? e->accuracy : e->loss);
                if (isfinite(v))
                    put(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n", PX(e->epoch), PY(v),
                        j ? "white" : col),
                        put(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"none\" stroke=\"%s\"/>\n",
                            PX(e->epoch), PY(v), col);
            }
        }
    }
#undef PX
#undef PY
    put(b, "</g>\n");
}

int nmt_plot_history(const char *path, const nmt_plot_run *runs, int nruns) {
    buf b = {0};
    const double W = ML + PW + GAP + PW + 30, legend_y = MT + PH + 60, H = legend_y + 20.0 * (nruns + 1) + 10;
    begin(&b, W, H);
    panel(&b, ML, "loss", 0, runs, nruns);
    panel(&b, ML + PW + GAP, "accuracy", 1, runs, nruns);
    // legend: one line per run, then the line styles
    for (int r = 0; r < nruns; r++) {
        const double y = legend_y + 20.0 * r;
        put(&b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>\n", ML, y - 4,
            ML + 30, y - 4, COLORS[r % 8]);
        label(&b, ML + 38, y, "start", 0, runs[r].label);
    }
    const double y = legend_y + 20.0 * nruns;
    put(&b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#444\" stroke-width=\"2\"/>\n", ML, y - 4,
        ML + 30, y - 4);
    label(&b, ML + 38, y, "start", 0, "training");
    put(&b,
        "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#444\" stroke-width=\"2\" "
        "stroke-dasharray=\"6 4\"/>\n",
        ML + 130, y - 4, ML + 160, y - 4);
    label(&b, ML + 168, y, "start", 0, "validation");
    return finish(&b, path);
}

/* ---- attention heat map -------------------------------------------------------- */

/* Characters of a UTF-8 string (for the layout: about 7 px each at 12 px). */
static int chars(const char *s) {
    int n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int nmt_plot_attention(const char *path, const char *title, const char *const *src, int n_src,
                       const char *const *out, int n_out, const float *w) {
    enum { CELL = 30, CW = 7 };
    int left = 0, top = 0;
    for (int i = 0; i < n_out; i++) left = chars(out[i]) > left ? chars(out[i]) : left;
    for (int j = 0; j < n_src; j++) top = chars(src[j]) > top ? chars(src[j]) : top;
    const double x0 = 20 + left * CW + 10, y0 = 40 + top * CW * 0.75 + 16;
    const double W = x0 + n_src * CELL + 110, H = y0 + n_out * CELL + 50;
    buf b = {0};
    begin(&b, W, H);
    if (title) label(&b, 20, 22, "start", 0, title);
    for (int j = 0; j < n_src; j++)   // source tokens across the top, slanted
        label(&b, x0 + (j + 0.5) * CELL, y0 - 8, "start", -45, src[j]);
    for (int i = 0; i < n_out; i++) {
        label(&b, x0 - 8, y0 + (i + 0.5) * CELL + 4, "end", 0, out[i]);
        for (int j = 0; j < n_src; j++) {
            // white (0) to dark blue (1)
            const double v = fmin(1, fmax(0, w[(long)i * n_src + j]));
            const int r = (int)lround(255 - v * (255 - 8)), g = (int)lround(255 - v * (255 - 48)),
                      bl = (int)lround(255 - v * (255 - 107));
            put(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"#%02x%02x%02x\" stroke=\"#eee\">",
                x0 + j * CELL, y0 + i * CELL, CELL, CELL, r, g, bl);
            put(&b, "<title>%.3f</title></rect>\n", v);
        }
    }
    label(&b, x0 + n_src * CELL / 2.0, y0 + n_out * CELL + 30, "middle", 0, "source");
    label(&b, 14, y0 + n_out * CELL / 2.0, "middle", -90, "output");
    // colour bar
    const double cx = x0 + n_src * CELL + 30;
    put(&b, "<defs><linearGradient id=\"bar\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
            "<stop offset=\"0\" stop-color=\"#ffffff\"/><stop offset=\"1\" stop-color=\"#08306b\"/>"
            "</linearGradient></defs>\n");
    put(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"%d\" fill=\"url(#bar)\" stroke=\"#444\"/>\n", cx, y0,
        n_out * CELL);
    label(&b, cx + 20, y0 + 10, "start", 0, "1");
    label(&b, cx + 20, y0 + n_out * CELL, "start", 0, "0");
    return finish(&b, path);
}
