/* Strict numeric flag parsing shared by the subcommands (see cli.h). The
 * whole string must be a number: no leading blanks, no trailing characters,
 * no overflow, finite, and inside [lo, hi]. FLAG is printed as given when it
 * starts with '-', otherwise with "--" in front. */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const char *dashes(const char *flag) { return flag && flag[0] == '-' ? "" : "--"; }

int cli_parse_int(const char *cmd, const char *flag, const char *s, long lo, long hi, long *out) {
    if (!cmd) cmd = "?";
    if (!flag) flag = "?";
    if (!s) {
        fprintf(stderr, "nmt %s: %s%s: missing value (expected an integer in [%ld, %ld])\n", cmd, dashes(flag),
                flag, lo, hi);
        return -1;
    }
    char *end = NULL;
    errno = 0;
    long v = (*s == '-' || *s == '+' || (*s >= '0' && *s <= '9')) ? strtol(s, &end, 10) : 0;
    if (!end || end == s || *end != 0 || errno == ERANGE || v < lo || v > hi) {
        fprintf(stderr, "nmt %s: %s%s: expected an integer in [%ld, %ld], got '%s'\n", cmd, dashes(flag), flag, lo,
                hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_double(const char *cmd, const char *flag, const char *s, double lo, double hi, double *out) {
    if (!cmd) cmd = "?";
    if (!flag) flag = "?";
    if (!s) {
        fprintf(stderr, "nmt %s: %s%s: missing value (expected a number in [%g, %g])\n", cmd, dashes(flag), flag,
                lo, hi);
        return -1;
    }
    char *end = NULL;
    errno = 0;
    /* Only decimal notation: no leading blanks, "inf", "nan" or hex floats. */
    int plain = (*s == '-' || *s == '+' || *s == '.' || (*s >= '0' && *s <= '9'));
    for (const char *p = s; plain && *p; p++)
        if (*p == 'x' || *p == 'X' || *p == 'n' || *p == 'N' || *p == 'i' || *p == 'I') plain = 0;
    double v = plain ? strtod(s, &end) : 0.0;
    if (!plain || !end || end == s || *end != 0 || !isfinite(v) || (errno == ERANGE && fabs(v) > 1.0) ||
        !(v >= lo && v <= hi)) {
        fprintf(stderr, "nmt %s: %s%s: expected a number in [%g, %g], got '%s'\n", cmd, dashes(flag), flag, lo, hi,
                s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_precision(const char *cmd, const char *s, nmt_precision *out) {
    if (s && nmt_precision_parse(s, out) == 0) return 0;
    fprintf(stderr, "nmt %s: --precision: expected 'fp32' or 'bf16', got '%s'\n", cmd ? cmd : "?", s ? s : "");
    return -1;
}
