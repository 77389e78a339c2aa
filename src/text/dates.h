/* The data of chapter 16's exercise 9: dates to convert from "April 22, 2019"
 * to "2019-04-22", drawn as the book's random_dates draws them. */
#ifndef NMT_TEXT_DATES_H
#define NMT_TEXT_DATES_H
#include <stddef.h>

#include "core/rng.h"

/* The range of random_dates: date(1000, 1, 1) and date(9999, 12, 31) as
 * Python's date.toordinal() gives them (0001-01-01 is ordinal 1). */
#define NMT_DATES_MIN_ORDINAL 364878L
#define NMT_DATES_MAX_ORDINAL 3652059L

/* One example: x = "September 17, 2009", y = "2009-09-17" (zero-padded to
 * the end of each array). */
typedef struct {
    char x[32];
    char y[16];
} nmt_date_pair;

/* The proleptic Gregorian date of an ordinal (Python's date.fromordinal), for
 * 1 <= ordinal <= NMT_DATES_MAX_ORDINAL; -1 outside. */
int nmt_date_from_ordinal(long ordinal, int *year, int *month, int *day);
/* The pair of an ordinal, as random_dates writes it: x = the English month
 * name, a space, strftime("%d, %Y") (the day zero-padded; the year as Python
 * writes it on Linux, which is 4 digits in random_dates' range), y =
 * isoformat(). -1 if the ordinal is out of range. */
int nmt_date_pair_of(long ordinal, nmt_date_pair *p);
/* random_dates(n) on the numpy legacy generator r (np.random.seed(s) is
 * nmt_rng_seed(r, s)): ordinals = np.random.randint(max - min, size=n) + min,
 * then their pairs. Successive calls continue the stream, as the book draws
 * its train (10,000), valid and test (2,000 each) sets after one seed. */
void nmt_random_dates(nmt_rng *r, size_t n, nmt_date_pair *out);
#endif
