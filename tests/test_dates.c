/* The date data of exercise 9 (src/text/dates.c): the calendar, and
 * nmt_random_dates against what the book's random_dates gives with numpy
 * (tests/fixtures/dates.tsv, written by tools/make_dates_fixture.py):
 * seed 42 as the book draws train, valid and test, seed 7, and
 * date.fromordinal at edge cases. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/error.h"
#include "core/rng.h"
#include "text/dates.h"

#define FIXTURE "tests/fixtures/dates.tsv"

/* Every day follows the one before: the same month a day later, or the first
 * of the next month (of the next year) after the last day of a month. */
static void check_succession(long from, long to) {
    int y0, m0, d0, y, m, d;
    CHECK(nmt_date_from_ordinal(from, &y0, &m0, &d0) == 0, "ordinal %ld", from);
    long bad = 0;
    for (long o = from + 1; o <= to && bad < 5; o++) {
        if (nmt_date_from_ordinal(o, &y, &m, &d)) {
            CHECK(0, "ordinal %ld refused", o);
            return;
        }
        int ok = (y == y0 && m == m0 && d == d0 + 1) || (y == y0 && m == m0 + 1 && d == 1) ||
                 (y == y0 + 1 && m0 == 12 && m == 1 && d == 1 && d0 == 31);
        // a new month only after its predecessor's last day
        if (ok && d == 1) {
            static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            int leap = (y0 % 4 == 0 && y0 % 100 != 0) || y0 % 400 == 0;
            ok = d0 == len[m0 - 1] + (m0 == 2 && leap);
        }
        if (!ok) {
            bad++;
            CHECK(0, "ordinal %ld: %04d-%02d-%02d after %04d-%02d-%02d", o, y, m, d, y0, m0, d0);
        }
        y0 = y, m0 = m, d0 = d;
    }
}

static void test_calendar(void) {
    int y, m, d;
    CHECK(nmt_date_from_ordinal(1, &y, &m, &d) == 0 && y == 1 && m == 1 && d == 1, "ordinal 1");
    CHECK(nmt_date_from_ordinal(NMT_DATES_MAX_ORDINAL, &y, &m, &d) == 0 && y == 9999 && m == 12 && d == 31,
          "the last ordinal: %04d-%02d-%02d", y, m, d);
    CHECK(nmt_date_from_ordinal(NMT_DATES_MIN_ORDINAL, &y, &m, &d) == 0 && y == 1000 && m == 1 && d == 1,
          "date(1000, 1, 1)");
    CHECK(nmt_date_from_ordinal(0, &y, &m, &d) == -1 && nmt_date_from_ordinal(-5, &y, &m, &d) == -1 &&
              nmt_date_from_ordinal(NMT_DATES_MAX_ORDINAL + 1, &y, &m, &d) == -1,
          "out of range accepted");
    nmt_date_pair p;
    CHECK(nmt_date_pair_of(0, &p) == -1, "pair of ordinal 0");
    check_succession(1, 146097 + 800);   // a whole 400-year cycle and into the next
    check_succession(NMT_DATES_MAX_ORDINAL - 146097, NMT_DATES_MAX_ORDINAL);
    // the longest input: "September 30, 2019" (18 bytes) fits, with max_length 20
    CHECK(nmt_date_pair_of(737332, &p) == 0 && strcmp(p.x, "September 30, 2019") == 0 &&
              strcmp(p.y, "2019-09-30") == 0, "%s / %s", p.x, p.y);
}

/* One fixture line: seed, split, index, ordinal, x, y. */
typedef struct {
    char seed[8], split[8];
    long index, ordinal;
    char x[64], y[32];
} row;

static int parse_rows(row **out) {
    char *text;
    size_t len;
    if (nmt_read_file(FIXTURE, &text, &len)) {
        CHECK(0, "%s", nmt_last_error());
        return 0;
    }
    int n = 0, cap = 16;
    row *r = malloc(cap * sizeof *r);
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        if (line[0] == '#') continue;
        char *f[6];
        int k = 0;
        for (char *p = line; k < 6 && p; k++) {
            f[k] = p;
            p = strchr(p, '\t');
            if (p) *p++ = 0;
        }
        CHECK(k == 6, "%s: a line of %d fields", FIXTURE, k);
        if (k != 6) continue;
        if (n == cap) r = realloc(r, (cap *= 2) * sizeof *r);
        snprintf(r[n].seed, sizeof r[n].seed, "%s", f[0]);
        snprintf(r[n].split, sizeof r[n].split, "%s", f[1]);
        r[n].index = atol(f[2]);
        r[n].ordinal = atol(f[3]);
        snprintf(r[n].x, sizeof r[n].x, "%s", f[4]);
        snprintf(r[n].y, sizeof r[n].y, "%s", f[5]);
        n++;
    }
    free(text);
    *out = r;
    return n;
}

static void test_fixture(void) {
    row *r = NULL;
    int n = parse_rows(&r);
    CHECK(n >= 50, "%s: %d lines", FIXTURE, n);
    // seed 42, drawn as the book does: train, valid, test from one stream
    nmt_date_pair *train = nmt_xmalloc(10000 * sizeof *train), *valid = nmt_xmalloc(2000 * sizeof *valid),
                  *test = nmt_xmalloc(2000 * sizeof *test), *s7 = nmt_xmalloc(10 * sizeof *s7);
    nmt_rng rng;
    nmt_rng_seed(&rng, 42);
    nmt_random_dates(&rng, 10000, train);
    nmt_random_dates(&rng, 2000, valid);
    nmt_random_dates(&rng, 2000, test);
    nmt_rng_seed(&rng, 7);
    nmt_random_dates(&rng, 10, s7);
    int seen[4] = {0};
    for (int i = 0; i < n; i++) {
        nmt_date_pair p;
        CHECK(nmt_date_pair_of(r[i].ordinal, &p) == 0 && !strcmp(p.y, r[i].y) && !strcmp(p.x, r[i].x),
              "ordinal %ld: '%s' / '%s', Python: '%s' / '%s'", r[i].ordinal, p.x, p.y, r[i].x, r[i].y);
        const nmt_date_pair *set = NULL;
        long size = 0;
        int which = -1;
        if (!strcmp(r[i].seed, "42") && !strcmp(r[i].split, "train")) set = train, size = 10000, which = 0;
        if (!strcmp(r[i].seed, "42") && !strcmp(r[i].split, "valid")) set = valid, size = 2000, which = 1;
        if (!strcmp(r[i].seed, "42") && !strcmp(r[i].split, "test")) set = test, size = 2000, which = 2;
        if (!strcmp(r[i].seed, "7")) set = s7, size = 10, which = 3;
        if (!set) continue;
        seen[which]++;
        CHECK(r[i].index >= 0 && r[i].index < size, "index %ld", r[i].index);
        if (r[i].index < 0 || r[i].index >= size) continue;
        const nmt_date_pair *g = &set[r[i].index];
        CHECK(!strcmp(g->x, r[i].x) && !strcmp(g->y, r[i].y), "seed %s %s[%ld]: '%s' / '%s', numpy: '%s' / '%s'",
              r[i].seed, r[i].split, r[i].index, g->x, g->y, r[i].x, r[i].y);
    }
    CHECK(seen[0] >= 20 && seen[1] >= 5 && seen[2] >= 5 && seen[3] == 10, "fixture lines per set: %d %d %d %d",
          seen[0], seen[1], seen[2], seen[3]);

    // deterministic, and one stream: a single draw of 12,000 is train then valid
    nmt_date_pair *again = nmt_xmalloc(12000 * sizeof *again);
    nmt_rng_seed(&rng, 42);
    nmt_random_dates(&rng, 12000, again);
    CHECK(memcmp(again, train, 10000 * sizeof *train) == 0 && memcmp(again + 10000, valid, 2000 * sizeof *valid) == 0,
          "the same seed drew other dates");
    nmt_rng_seed(&rng, 43);
    nmt_random_dates(&rng, 10, again);
    CHECK(memcmp(again, train, 10 * sizeof *train) != 0, "seeds 42 and 43 drew the same dates");
    // every date in random_dates' range
    long out = 0;
    for (int i = 0; i < 10000; i++) {
        int y = atoi(train[i].y);
        out += y < 1000 || y > 9999 || strlen(train[i].y) != 10 || strlen(train[i].x) > 18;
    }
    CHECK(out == 0, "%ld dates out of range or too long", out);
    free(again);
    free(train);
    free(valid);
    free(test);
    free(s7);
    free(r);
}

int main(void) {
    test_calendar();
    test_fixture();
    return check_exit("test_dates");
}
