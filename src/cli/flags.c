/* The flag table parser and the usage it prints (see cli.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/error.h"

const char *const nmt_precision_choices[] = {"fp32", "bf16", NULL};

#define HUGE_INT (1L << 40)   /* an upper bound shown as "no limit" */

nmt_flag *nmt_cli_flag(nmt_cli *c, const char *name) {
    for (int i = 0; i < c->nflags; i++)
        if (strcmp(c->flags[i].name, name) == 0) return &c->flags[i];
    return NULL;
}

/* ---- values --------------------------------------------------------------- */

/* "'a' or 'b'", "'a', 'b' or 'c'" */
static void choice_list(const nmt_flag *f, char *buf, size_t size) {
    size_t k = 0;
    int n = 0;
    while (f->choices[n]) n++;
    buf[0] = 0;
    for (int i = 0; i < n && k < size; i++)
        k += (size_t)snprintf(buf + k, size - k, "%s'%s'", i == 0 ? "" : i == n - 1 ? " or " : ", ", f->choices[i]);
}

/* What a value must be, for messages: "an integer in [1, 4096]". */
static void expected(const nmt_flag *f, char *buf, size_t size) {
    if (f->kind == NMT_FLAG_INT) snprintf(buf, size, "an integer in [%ld, %ld]", f->lo, f->hi);
    else if (f->kind == NMT_FLAG_REAL) snprintf(buf, size, "a number in [%g, %g]", f->rlo, f->rhi);
    else if (f->kind == NMT_FLAG_CHOICE) choice_list(f, buf, size);
    else snprintf(buf, size, "a value");
}

/* The whole word a decimal integer (no blanks, no trailing characters, no overflow). */
static int parse_int(const char *s, long *out) {
    if (!(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9'))) return -1;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != 0 || errno == ERANGE) return -1;
    *out = v;
    return 0;
}

/* The whole word a finite number in decimal notation: no blanks, "inf", "nan" or hex. */
static int parse_real(const char *s, double *out) {
    if (!(*s == '-' || *s == '+' || *s == '.' || (*s >= '0' && *s <= '9'))) return -1;
    for (const char *p = s; *p; p++)
        if (strchr("xXnNiI", *p)) return -1;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != 0 || !isfinite(v) || (errno == ERANGE && fabs(v) > 1.0)) return -1;
    *out = v;
    return 0;
}

/* Stores the value of f; 0, or 2 after a message naming the flag. */
static int set_value(const nmt_cli *c, nmt_flag *f, const char *v) {
    char want[160];
    expected(f, want, sizeof want);
    switch (f->kind) {
    case NMT_FLAG_INT: {
        long x;
        if (parse_int(v, &x) || x < f->lo || x > f->hi) break;
        *(long *)f->ptr = x;
        return 0;
    }
    case NMT_FLAG_REAL: {
        double x;
        if (parse_real(v, &x) || !(x >= f->rlo && x <= f->rhi)) break;
        *(double *)f->ptr = x;
        return 0;
    }
    case NMT_FLAG_CHOICE:
        for (int i = 0; f->choices[i]; i++)
            if (strcmp(v, f->choices[i]) == 0) {
                *(int *)f->ptr = i;
                return 0;
            }
        break;
    case NMT_FLAG_STRING:
        if (f->nonempty && !*v) {
            fprintf(stderr, "nmt %s: %s: empty value\n", c->name, f->name);
            return 2;
        }
        *(const char **)f->ptr = v;
        return 0;
    case NMT_FLAG_BOOL:
        break;
    }
    fprintf(stderr, "nmt %s: %s: expected %s, got '%s'\n", c->name, f->name, want, v);
    return 2;
}

static void set_default(nmt_flag *f) {
    f->given = 0;
    switch (f->kind) {
    case NMT_FLAG_BOOL: *(int *)f->ptr = 0; break;
    case NMT_FLAG_INT: *(long *)f->ptr = f->idef; break;
    case NMT_FLAG_REAL: *(double *)f->ptr = f->rdef; break;
    case NMT_FLAG_STRING: *(const char **)f->ptr = f->sdef; break;
    case NMT_FLAG_CHOICE: *(int *)f->ptr = (int)f->idef; break;
    }
}

/* ---- usage ---------------------------------------------------------------- */

static void synopsis(const nmt_cli *c, FILE *out) {
    fprintf(out, "usage: nmt %s", c->name);
    if (c->args == NMT_ARGS_ONE) fprintf(out, " %s", c->arg_name);
    if (c->args == NMT_ARGS_OPTIONAL) fprintf(out, " [%s]", c->arg_name);
    if (c->args == NMT_ARGS_MANY) fprintf(out, " %s [%s ...]", c->arg_name, c->arg_name);
    int optional = 0;
    for (int i = 0; i < c->nflags; i++) {
        const nmt_flag *f = &c->flags[i];
        if (f->required) fprintf(out, " %s %s", f->name, f->arg ? f->arg : "VALUE");
        else optional = 1;
    }
    if (optional) fprintf(out, " [options]");
    if (c->args == NMT_ARGS_REST) fprintf(out, " [%s ...]", c->arg_name);
    fputc('\n', out);
}

/* The left column: "--nadam new|legacy", "--epochs N". */
static void flag_words(const nmt_flag *f, char *buf, size_t size) {
    size_t k = (size_t)snprintf(buf, size, "%s%s%s", f->alias ? f->alias : "", f->alias ? ", " : "", f->name);
    if (f->kind == NMT_FLAG_CHOICE)
        for (int i = 0; f->choices[i] && k < size; i++)
            k += (size_t)snprintf(buf + k, size - k, "%s%s", i ? "|" : " ", f->choices[i]);
    else if (f->kind != NMT_FLAG_BOOL && k < size)
        snprintf(buf + k, size - k, " %s", f->arg ? f->arg : "VALUE");
}

/* The right column: help, then "(required)" or "(default D; range)". */
static void flag_text(const nmt_flag *f, char *buf, size_t size) {
    char def[160] = "", range[80] = "";
    if (f->def_text) snprintf(def, sizeof def, "default %s", f->def_text);
    else if (f->kind == NMT_FLAG_INT) snprintf(def, sizeof def, "default %ld", f->idef);
    else if (f->kind == NMT_FLAG_REAL) snprintf(def, sizeof def, "default %g", f->rdef);
    else if (f->kind == NMT_FLAG_CHOICE) snprintf(def, sizeof def, "default %s", f->choices[f->idef]);
    else if (f->kind == NMT_FLAG_STRING && f->sdef) snprintf(def, sizeof def, "default '%s'", f->sdef);
    if (f->kind == NMT_FLAG_INT && f->hi >= HUGE_INT) snprintf(range, sizeof range, "at least %ld", f->lo);
    else if (f->kind == NMT_FLAG_INT) snprintf(range, sizeof range, "%ld to %ld", f->lo, f->hi);
    else if (f->kind == NMT_FLAG_REAL) snprintf(range, sizeof range, "%g to %g", f->rlo, f->rhi);
    if (f->required) snprintf(buf, size, "%s (required)", f->help);
    else if (def[0] || range[0])
        snprintf(buf, size, "%s (%s%s%s)", f->help, def, def[0] && range[0] ? "; " : "", range);
    else snprintf(buf, size, "%s", f->help);
}

/* Prints text from column `col`, wrapped at spaces to end before column `width`. */
static void wrapped(FILE *out, const char *text, int col, int width) {
    int first = 1;
    while (*text) {
        int room = width - col, n = (int)strlen(text);
        if (n > room) {
            int cut = room;
            while (cut > 0 && text[cut] != ' ') cut--;
            n = cut > 0 ? cut : room;
        }
        fprintf(out, "%*s%.*s\n", first ? 0 : col, "", n, text);
        first = 0;
        text += n;
        while (*text == ' ') text++;
    }
}

void nmt_cli_usage(const nmt_cli *c, FILE *out) {
    synopsis(c, out);
    if (c->about) fprintf(out, "\n%s", c->about);
    int w = 10;   // "-h, --help"
    char words[200], text[600];
    for (int i = 0; i < c->nflags; i++) {
        flag_words(&c->flags[i], words, sizeof words);
        if ((int)strlen(words) > w) w = (int)strlen(words);
    }
    fprintf(out, "\noptions:\n");
    for (int i = 0; i < c->nflags; i++) {
        flag_words(&c->flags[i], words, sizeof words);
        flag_text(&c->flags[i], text, sizeof text);
        fprintf(out, "  %-*s  ", w, words);
        wrapped(out, text, w + 4, 80);
    }
    fprintf(out, "  %-*s  %s\n", w, "-h, --help", "print this help and exit");
    if (c->more_help) {
        fputc('\n', out);
        c->more_help(out);
    }
}

/* ---- parsing -------------------------------------------------------------- */

/* A usage error about the command line as a whole: the message, then the synopsis. */
static int usage_error(const nmt_cli *c) {
    synopsis(c, stderr);
    fprintf(stderr, "(nmt %s --help lists the options)\n", c->name);
    return 2;
}

/* Is this word an option? For NMT_ARGS_REST (sentences) only "--..." and "-h"
 * are: "-5 degrees" is a sentence. */
static int is_option(const nmt_cli *c, const char *a) {
    if (a[0] != '-' || a[1] == 0) return 0;
    return c->args != NMT_ARGS_REST || a[1] == '-' || strcmp(a, "-h") == 0;
}

/* "nmt train: --data and --out are required" when one of them is missing. */
static int check_required(const nmt_cli *c) {
    int n = 0, missing = 0;
    for (int i = 0; i < c->nflags; i++)
        if (c->flags[i].required) n++, missing |= !c->flags[i].given;
    if (!missing) return 0;
    fprintf(stderr, "nmt %s: ", c->name);
    for (int i = 0, k = 0; i < c->nflags; i++)
        if (c->flags[i].required) {
            fprintf(stderr, "%s%s", k == 0 ? "" : k == n - 1 ? " and " : ", ", c->flags[i].name);
            k++;
        }
    fprintf(stderr, " %s required\n", n == 1 ? "is" : "are");
    return usage_error(c);
}

static int parse(nmt_cli *c, int argc, char **argv) {
    const char *what = c->arg_what ? c->arg_what : c->arg_name;
    c->arg = NULL;
    c->first_arg = argc;
    c->words = NULL;
    c->nwords = 0;
    for (int i = 0; i < c->nflags; i++) set_default(&c->flags[i]);
    int options = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options && strcmp(a, "--") == 0) {
            options = 0;
            continue;
        }
        if (options && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            nmt_cli_usage(c, stdout);
            return fflush(stdout) ? 1 : 0;
        }
        if (options && is_option(c, a)) {
            const char *eq = strchr(a, '=');
            size_t len = eq ? (size_t)(eq - a) : strlen(a);
            nmt_flag *f = NULL;
            for (int k = 0; k < c->nflags && !f; k++) {
                const char *alias = c->flags[k].alias ? c->flags[k].alias : "";
                if ((strlen(c->flags[k].name) == len && strncmp(c->flags[k].name, a, len) == 0) ||
                    (strlen(alias) == len && strncmp(alias, a, len) == 0))
                    f = &c->flags[k];
            }
            if (!f) {
                fprintf(stderr, "nmt %s: unknown option '%.*s'\n", c->name, (int)len, a);
                return usage_error(c);
            }
            f->given = 1;
            if (f->kind == NMT_FLAG_BOOL) {
                if (eq) {
                    fprintf(stderr, "nmt %s: %s: takes no value\n", c->name, f->name);
                    return usage_error(c);
                }
                *(int *)f->ptr = 1;
                continue;
            }
            const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!v) {
                char want[160] = "";
                if (f->kind != NMT_FLAG_STRING) expected(f, want, sizeof want);
                fprintf(stderr, "nmt %s: %s: missing value%s%s%s\n", c->name, f->name, want[0] ? " (expected " : "",
                        want, want[0] ? ")" : "");
                return usage_error(c);
            }
            int rc = set_value(c, f, v);
            if (rc) return rc;
            continue;
        }
        // a word that is not an option
        if (c->args == NMT_ARGS_REST) {
            c->first_arg = i;
            break;
        }
        if ((c->args == NMT_ARGS_ONE || c->args == NMT_ARGS_OPTIONAL) && !c->arg) {
            c->arg = a;
            continue;
        }
        if (c->args == NMT_ARGS_MANY) {
            if (!c->words) c->words = nmt_xcalloc((size_t)argc, sizeof *c->words);
            c->words[c->nwords++] = a;
            continue;
        }
        if (c->args == NMT_ARGS_ONE || c->args == NMT_ARGS_OPTIONAL)
            fprintf(stderr, "nmt %s: one %s expected, got '%s' and '%s'\n", c->name, what, c->arg, a);
        else
            fprintf(stderr, "nmt %s: %s: unexpected argument\n", c->name, a);
        return usage_error(c);
    }
    if (check_required(c)) return 2;
    if ((c->args == NMT_ARGS_ONE && !c->arg) || (c->args == NMT_ARGS_MANY && !c->nwords)) {
        fprintf(stderr, "nmt %s: missing %s\n", c->name, what);
        return usage_error(c);
    }
    return -1;
}

int nmt_cli_parse(nmt_cli *c, int argc, char **argv) {
    int rc = parse(c, argc, argv);
    if (rc >= 0) {   // the command ends here: nothing for it to free
        free(c->words);
        c->words = NULL;
        c->nwords = 0;
    }
    return rc;
}
