/* The workspace: one architecture's activations, packed weights and outputs
 * (real-generic). Everything is allocated here, once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/real.h"
#include "models/arch.h"

/* Values a buffer of n takes in the block: 64-byte aligned, at least one. */
static size_t slot(long n) { return ((size_t)(n > 0 ? n : 1) + 15) / 16 * 16; }

#ifndef NMT_F64
int nmt_act_add(nmt_act_table *a, const char *name, long n) {
    if (a->n >= NMT_MAX_ACTS) {   // an architecture's bug, not a user's
        fprintf(stderr, "nmt: internal error: more than %d activation buffers\n", NMT_MAX_ACTS);
        abort();
    }
    a->name[a->n] = name;
    a->size[a->n] = n > 0 ? n : 0;
    return a->n++;
}
#endif

int R(nmt_ws_alloc)(R(nmt_ws) *ws, const nmt_config *cfg, int maxB, nmt_precision prec, int training) {
    memset(ws, 0, sizeof *ws);
    if (nmt_param_table_build(&ws->tab, cfg)) return -1;
    ws->arch = R(nmt_arch_find)(cfg->arch);
    ws->cfg = *cfg;
    ws->maxB = maxB;
    ws->maxN = maxB * cfg->max_length;
    ws->training = training;
    ws->prec = prec;
    ws->arch->info->acts(&ws->acts, cfg, maxB, training);
    size_t total = 0;
    for (int i = 0; i < ws->acts.n; i++) total += slot(ws->acts.size[i]);
    real *block = nmt_xalloc_aligned(sizeof(real) * total);
    memset(block, 0, sizeof(real) * total);
    for (int i = 0, off = 0; i < ws->acts.n; i++) {
        ws->act[i] = block + off;
        off += (int)slot(ws->acts.size[i]);
    }
    ws->loss = nmt_xalloc_aligned(sizeof(real) * (size_t)(ws->maxN + 1));
    ws->pred = nmt_xcalloc((size_t)ws->maxN + 1, sizeof(int32_t));
    return 0;
}

void R(nmt_ws_free)(R(nmt_ws) *ws) {
    if (ws->arch) ws->arch->unpack(ws);
    free(ws->acts.n ? ws->act[0] : NULL);
    free(ws->loss);
    free(ws->pred);
    nmt_param_table_free(&ws->tab);
    memset(ws, 0, sizeof *ws);
}

real *R(nmt_ws_act)(const R(nmt_ws) *ws, const char *name) {
    for (int i = 0; i < ws->acts.n; i++)
        if (!strcmp(ws->acts.name[i], name)) return ws->acts.size[i] > 0 ? ws->act[i] : NULL;
    return NULL;
}

/* Packs for inference (training = 0) or training unless what is packed serves. */
static void ensure_packed(R(nmt_ws) *ws, const real *params, int training) {
    if (training) {
        if (ws->refreshed && ws->packed == 2 && params == ws->hook_params) {
            ws->refreshed = 0;   // the optimizer refreshed every copy row by row: one use
            return;
        }
        ws->refreshed = 0;
        ws->held = 0;   // an optimizer step follows
        ws->arch->pack(ws, params, 1);
        ws->packed = 2;
        return;
    }
    if (ws->held && ws->packed) return;
    ws->arch->pack(ws, params, 0);
    ws->packed = 1;
    ws->refreshed = 0;
}

void R(nmt_ws_hold_weights)(R(nmt_ws) *ws, const real *params) {
    ws->held = 0;
    ensure_packed(ws, params, 0);
    ws->held = 1;
}

void R(nmt_ws_release_weights)(R(nmt_ws) *ws) { ws->held = 0; }

static void hook_rows(void *ctx, int param, long r0, long r1) {
    R(nmt_ws) *ws = ctx;
    if (ws->packed == 2) ws->arch->pack_rows(ws, ws->hook_params, param, r0, r1);
}

static void hook_done(void *ctx) {
    R(nmt_ws) *ws = ctx;
    ws->refreshed = ws->packed == 2;
}

nmt_update_hook R(nmt_ws_update_hook)(R(nmt_ws) *ws, const real *params) {
    ws->hook_params = params;
    return (nmt_update_hook){hook_rows, hook_done, ws};
}

void R(nmt_ws_forward_backward)(R(nmt_ws) *ws, const real *params, real *grads, const nmt_batch *b,
                                real loss_scale) {
    if (grads && !ws->training) {   // a caller's bug, not a user's
        fprintf(stderr, "nmt: internal error: a backward pass on an inference workspace\n");
        abort();
    }
    ensure_packed(ws, params, grads != NULL);
    ws->arch->forward_backward(ws, params, grads, b, loss_scale);
}

void R(nmt_ws_encode)(R(nmt_ws) *ws, const real *params, const nmt_batch *b, real *state) {
    ensure_packed(ws, params, 0);
    ws->arch->encode(ws, params, b, state);
}

void R(nmt_ws_decode_step)(R(nmt_ws) *ws, const real *params, int n, const int32_t *tok, const int *src,
                           const real *state_in, real *state_out, real *logits) {
    ensure_packed(ws, params, 0);
    ws->arch->decode_step(ws, params, n, tok, src, state_in, state_out, logits);
}
