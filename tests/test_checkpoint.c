/* Training checkpoints (src/train/checkpoint.c): every field survives a save
 * and a load bit for bit (also NaN-free doubles, the generator's state, the
 * order, the carried states and the history); a checkpoint of another run is
 * refused naming the first item that differs; a corrupted, truncated or
 * foreign file is refused naming the file. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/error.h"
#include "core/rng.h"
#include "io/safetensors.h"
#include "train/train.h"

static void fill(nmt_ckpt *c, float *p, float *m, float *v, uint32_t *perm, float *carry, nmt_epoch_record *h) {
    memset(c, 0, sizeof *c);
    c->run = "corpus_sha256=abc\nbatch_size=16\nlr=0.01\n";
    c->epoch = 3, c->batch = 5, c->in_epoch = 1, c->nb = 8, c->total = 37;
    for (int i = 0; i < 37; i++) p[i] = 0.1f * i - 1, m[i] = 1e-3f * i, v[i] = 1e-6f * i * i;
    c->params = p, c->m = m, c->v = v;
    c->opt_t = 21, c->uprod = 0.123456789012345678;
    nmt_rng_seed(&c->rng, 7);
    for (int i = 0; i < 100; i++) nmt_rng_u32(&c->rng);
    c->rng.has_gauss = 1, c->rng.gauss = -0.5;
    for (int i = 0; i < 50; i++) perm[i] = (uint32_t)(49 - i);
    c->perm = perm, c->n_perm = 50;
    for (int i = 0; i < 12; i++) carry[i] = (float)i / 7;
    c->carry = carry, c->n_carry = 12;
    c->wsum = 12.3456789, c->seconds = 4.5, c->correct = 77, c->tokens = 99, c->trained_tokens = 200, c->sentences = 80;
    for (int e = 0; e < 2; e++)
        h[e] = (nmt_epoch_record){.epoch = e + 1, .loss = 3.0 / (e + 1), .accuracy = 0.1 * e, .val_loss = NAN,
                                  .val_accuracy = 0.25, .val_accuracy_unmasked = 0.125, .val_tokens = 1000 + e,
                                  .seconds = 1.5, .tokens_per_s = 1e5};
    c->history = h, c->n_history = 2;
}

static void round_trip(const char *dir) {
    float p[37], m[37], v[37], carry[12];
    uint32_t perm[50];
    nmt_epoch_record h[2];
    nmt_ckpt c, r;
    fill(&c, p, m, v, perm, carry, h);
    char path[256];
    snprintf(path, sizeof path, "%s/a.ckpt", dir);
    CHECK(nmt_ckpt_save(&c, path) == 0, "save: %s", nmt_last_error());
    CHECK(nmt_ckpt_load(&r, path) == 0, "load: %s", nmt_last_error());
    CHECK_STR(r.run, c.run);
    CHECK(r.epoch == 3 && r.batch == 5 && r.in_epoch == 1 && r.nb == 8 && r.total == 37, "position");
    CHECK(r.params && !memcmp(r.params, p, sizeof p), "params");
    CHECK(r.m && !memcmp(r.m, m, sizeof m) && r.v && !memcmp(r.v, v, sizeof v), "Nadam's slots");
    CHECK(r.opt_t == 21 && r.uprod == c.uprod, "Nadam's step and product");
    CHECK(!memcmp(r.rng.mt, c.rng.mt, sizeof c.rng.mt) && r.rng.mti == c.rng.mti && r.rng.has_gauss == 1 &&
              r.rng.gauss == -0.5, "the generator");
    CHECK(nmt_rng_u32(&r.rng) == nmt_rng_u32(&c.rng), "the generator continues the same");
    CHECK(r.n_perm == 50 && r.perm && !memcmp(r.perm, perm, sizeof perm), "the order");
    CHECK(r.n_carry == 12 && r.carry && !memcmp(r.carry, carry, sizeof carry), "the carried states");
    CHECK(r.wsum == c.wsum && r.seconds == 4.5 && r.correct == 77 && r.tokens == 99 && r.trained_tokens == 200 &&
              r.sentences == 80, "the epoch's sums");
    CHECK(r.n_history == 2 && r.history && r.history[1].epoch == 2 && r.history[1].loss == 1.5 &&
              isnan(r.history[0].val_loss) && r.history[1].val_tokens == 1001 && r.history[0].tokens_per_s == 1e5,
          "the history");

    // the run's items: equal passes, one differing item is named, a missing one too
    CHECK(nmt_ckpt_check_run(&r, "corpus_sha256=abc\nbatch_size=16\nlr=0.01\n", path) == 0, "%s", nmt_last_error());
    CHECK(nmt_ckpt_check_run(&r, "corpus_sha256=abc\nbatch_size=8\nlr=0.01\n", path) != 0 &&
              strstr(nmt_last_error(), "it has batch_size=16, this command batch_size=8"), "%s", nmt_last_error());
    CHECK(nmt_ckpt_check_run(&r, "corpus_sha256=abc\nbatch_size=16\n", path) != 0 &&
              strstr(nmt_last_error(), "it has lr=0.01, this command none"), "%s", nmt_last_error());
    CHECK(nmt_ckpt_check_run(&r, "corpus_sha256=abc\nbatch_size=16\nlr=0.01\nstateful=1\n", path) != 0 &&
              strstr(nmt_last_error(), "it has none, this command stateful=1"), "%s", nmt_last_error());
    nmt_ckpt_free(&r);

    // between epochs: no order, no carried states, no history
    c.in_epoch = 0, c.batch = 0, c.n_history = 0;
    CHECK(nmt_ckpt_save(&c, path) == 0, "save: %s", nmt_last_error());
    CHECK(nmt_ckpt_load(&r, path) == 0, "load: %s", nmt_last_error());
    CHECK(!r.in_epoch && !r.perm && !r.n_perm && !r.carry && !r.n_history && !r.history, "between epochs");
    nmt_ckpt_free(&r);

    // a flipped bit in the data: the checksum; cut short: the container's check
    c.in_epoch = 1, c.batch = 5, c.n_history = 2;
    CHECK(nmt_ckpt_save(&c, path) == 0, "save: %s", nmt_last_error());
    FILE *f = fopen(path, "r+b");
    fseek(f, -20, SEEK_END);
    int ch = fgetc(f);
    fseek(f, -20, SEEK_END);
    fputc(ch ^ 1, f);
    fclose(f);
    CHECK(nmt_ckpt_load(&r, path) != 0 && strstr(nmt_last_error(), "checksum mismatch") &&
              strstr(nmt_last_error(), path), "%s", nmt_last_error());
    CHECK(truncate(path, 100) == 0, "truncate");
    CHECK(nmt_ckpt_load(&r, path) != 0 && strstr(nmt_last_error(), path), "%s", nmt_last_error());

    // a safetensors file that is not a checkpoint
    float x[2] = {1, 2};
    nmt_st_entry e = {.name = "params", .dtype = NMT_ST_F32, .ndim = 1, .shape = {2}, .data = x};
    CHECK(nmt_st_write(path, &e, 1, NULL, 0) == 0, "%s", nmt_last_error());
    CHECK(nmt_ckpt_load(&r, path) != 0 && strstr(nmt_last_error(), "not an nmt checkpoint"), "%s", nmt_last_error());
    CHECK(r.params == NULL && r.run == NULL, "a refused load leaves nothing to free");
    unlink(path);
}

int main(void) {
    char dir[] = "/tmp/nmt_test_ckpt_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    round_trip(dir);
    rmdir(dir);
    return check_exit("test_checkpoint");
}
