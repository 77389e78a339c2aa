/* random_dates of chapter 16's exercise 9 (dates.h). */
#include "text/dates.h"

#include <stdio.h>
#include <string.h>

static const char *const MONTHS[12] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};

static int is_leap(long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(long y, int m) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return days[m - 1] + (m == 2 && is_leap(y));
}

int nmt_date_from_ordinal(long ordinal, int *year, int *month, int *day) {
    if (ordinal < 1 || ordinal > NMT_DATES_MAX_ORDINAL) return -1;
    // the calendar repeats every 400 years (146,097 days); years 1, 401, ... start a cycle
    long n = ordinal - 1, y = 1 + 400 * (n / 146097);
    n %= 146097;
    for (long len; n >= (len = 365 + is_leap(y)); y++) n -= len;   // at most 399 years
    int m = 1;
    for (int len; n >= (len = month_days(y, m)); m++) n -= len;
    *year = (int)y;
    *month = m;
    *day = (int)n + 1;
    return 0;
}

int nmt_date_pair_of(long ordinal, nmt_date_pair *p) {
    int y, m, d;
    if (nmt_date_from_ordinal(ordinal, &y, &m, &d)) return -1;
    memset(p, 0, sizeof *p);   // every byte defined: pairs compare with memcmp
    snprintf(p->x, sizeof p->x, "%s %02d, %d", MONTHS[m - 1], d, y);
    snprintf(p->y, sizeof p->y, "%04d-%02d-%02d", y, m, d);
    return 0;
}

/* np.random.randint(high) (legacy, int64) for 0 < high < 2^32 draws each value
 * by masked rejection from 32-bit outputs: numpy's random_interval, which is
 * nmt_rng_interval(r, high - 1). */
void nmt_random_dates(nmt_rng *r, size_t n, nmt_date_pair *out) {
    const uint32_t high = (uint32_t)(NMT_DATES_MAX_ORDINAL - NMT_DATES_MIN_ORDINAL);
    for (size_t i = 0; i < n; i++)
        nmt_date_pair_of(NMT_DATES_MIN_ORDINAL + (long)nmt_rng_interval(r, high - 1), &out[i]);
}
