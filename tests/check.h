/* Minimal test support: CHECK macros count failures; check_exit() prints a
 * summary and returns the process exit code (0 pass, 1 fail, 77 skip).
 * A failing CHECK never stops the test, so one run reports every mismatch. */
#ifndef NMT_TESTS_CHECK_H
#define NMT_TESTS_CHECK_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int check_failures_;
static int check_count_;

#define CHECK(cond, ...)                                                          \
    do {                                                                          \
        check_count_++;                                                           \
        if (!(cond)) {                                                            \
            check_failures_++;                                                    \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                         \
            fputc('\n', stderr);                                                  \
        }                                                                         \
    } while (0)

/* max(worst, e) for a running worst error, where a NaN e wins (and stays), so
 * that a NaN result fails the tolerance check (fmax would drop it). */
static inline double check_worst(double worst, double e) { return e > worst || e != e ? e : worst; }

/* |a-b| <= atol + rtol*|b| */
#define CHECK_CLOSE(a, b, atol, rtol, what)                                       \
    do {                                                                          \
        double a_ = (a), b_ = (b);                                                \
        CHECK(fabs(a_ - b_) <= (atol) + (rtol) * fabs(b_), "%s: %.9g vs %.9g", (what), a_, b_); \
    } while (0)

#define CHECK_STR(a, b)                                                           \
    do {                                                                          \
        const char *a_ = (a), *b_ = (b);                                          \
        CHECK(a_ && b_ && strcmp(a_, b_) == 0, "\"%s\" vs \"%s\"", a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
    } while (0)

/* Folder with the shared corpora: $NMT_DATA, else ../shared/data. Returns NULL
 * when absent; with CI set (or NMT_DATA set) a missing folder is a failure. */
static inline const char *check_data_dir(void) {
    const char *d = getenv("NMT_DATA");
    struct stat st;
    if (d && *d) {
        if (stat(d, &st) != 0) {
            fprintf(stderr, "NMT_DATA=%s does not exist\n", d);
            exit(1);
        }
        return d;
    }
    if (stat("../shared/data", &st) == 0) return "../shared/data";
    if (getenv("CI")) {
        fprintf(stderr, "CI is set but no corpus folder: set NMT_DATA\n");
        exit(1);
    }
    return NULL;
}

static inline int check_exit(const char *name) {
    if (check_failures_) {
        fprintf(stderr, "FAIL %s: %d of %d checks failed\n", name, check_failures_, check_count_);
        return 1;
    }
    fprintf(stderr, "ok   %s: %d checks\n", name, check_count_);
    return 0;
}

static inline int check_skip(const char *name, const char *why) {
    fprintf(stderr, "SKIP %s: %s\n", name, why);
    return 77;
}
#endif
