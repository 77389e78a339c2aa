/* Subcommands: each src/cli/cmd_<name>.c defines nmt_cmd_<name>(argc, argv),
 * where argv[0] is the subcommand name. Returns the process exit status
 * (0 ok, 1 runtime failure, 2 usage error). Errors go to stderr prefixed "nmt <cmd>: ". */
#ifndef NMT_CLI_CLI_H
#define NMT_CLI_CLI_H
#include <stdio.h>

#include "core/bf16.h"
#include "core/error.h"
#include "models/model.h"
#include "text/text.h"
#include "train/train.h"

int nmt_cmd_train(int argc, char **argv);
int nmt_cmd_translate(int argc, char **argv);
int nmt_cmd_eval(int argc, char **argv);
int nmt_cmd_score(int argc, char **argv);
int nmt_cmd_inspect(int argc, char **argv);
int nmt_cmd_fetch(int argc, char **argv);
int nmt_cmd_version(int argc, char **argv);
int nmt_cmd_plot(int argc, char **argv);
int nmt_cmd_generate(int argc, char **argv);
int nmt_cmd_demo(int argc, char **argv);

/* ---- the flag table (src/cli/flags.c) ------------------------------------
 * Each command describes its flags in one table; nmt_cli_parse() reads argv
 * with it and nmt_cli_usage() prints the help from it, so the two cannot
 * disagree. The parser sets every flag to its default first, then accepts
 * `--flag VALUE` and `--flag=VALUE` (a flag given twice keeps its last value),
 * `--` (end of options), `-h`/`--help`, and refuses, naming the flag: unknown
 * options, missing values, malformed or out-of-range numbers (the whole word
 * must be a decimal number: no blanks, hex, nan or inf), unknown choices,
 * missing required flags, unexpected arguments. */
typedef enum {
    NMT_FLAG_BOOL,     /* no value: *(int *)ptr = 1 */
    NMT_FLAG_INT,      /* an integer in [lo, hi]: *(long *)ptr (default idef) */
    NMT_FLAG_REAL,     /* a number in [rlo, rhi]: *(double *)ptr (default rdef) */
    NMT_FLAG_STRING,   /* any word (nonempty: not ""): *(const char **)ptr (default sdef) */
    NMT_FLAG_CHOICE,   /* one of choices: its index, *(int *)ptr (default idef) */
} nmt_flag_kind;

typedef struct {
    const char *name;            /* "--epochs" */
    const char *alias;           /* a short form ("-o"), or NULL */
    nmt_flag_kind kind;
    void *ptr;                   /* the value, of the kind's type */
    const char *arg;             /* the value in the usage: "N", "FILE" */
    const char *help;            /* what it does, for the usage */
    long idef, lo, hi;
    double rdef, rlo, rhi;
    const char *sdef;
    const char *const *choices;  /* NULL-terminated */
    const char *def_text;        /* the default as the usage shows it, instead of the value */
    int required, nonempty;
    int given;                   /* set by the parser: on the command line */
} nmt_flag;

typedef enum {
    NMT_ARGS_NONE,   /* no word but flags */
    NMT_ARGS_ONE,    /* exactly one word, anywhere among the flags (arg) */
    NMT_ARGS_OPTIONAL, /* at most one word, anywhere among the flags (arg; NULL if none) */
    NMT_ARGS_REST,   /* the first word that is not an option and all after it (first_arg) */
    NMT_ARGS_MANY,   /* one or more words, anywhere among the flags (words, nwords) */
} nmt_args_kind;

typedef struct {
    const char *name;            /* "train" */
    const char *about;           /* a paragraph for the usage (lines end with \n) */
    nmt_flag *flags;
    int nflags;
    nmt_args_kind args;
    const char *arg_name;        /* the word in the usage: "FILE", "NAME", "SENTENCE" */
    const char *arg_what;        /* ... and in messages ("dataset name"); NULL: arg_name */
    void (*more_help)(FILE *f);  /* printed after the options (may be NULL) */
    const char *arg;             /* NMT_ARGS_ONE, NMT_ARGS_OPTIONAL: the word */
    int first_arg;               /* NMT_ARGS_REST: index of the first word (argc if none) */
    const char **words;          /* NMT_ARGS_MANY: the words (malloc'd: free() it) */
    int nwords;
} nmt_cli;

/* Parses argv[1..argc). Returns -1 when the command goes on; otherwise the
 * command exits at once with the status returned: 0 after -h/--help (usage on
 * stdout), 2 after a usage error (message on stderr). */
int nmt_cli_parse(nmt_cli *c, int argc, char **argv);
void nmt_cli_usage(const nmt_cli *c, FILE *f);
/* The flag of the table called name (for its `given`), or NULL. */
nmt_flag *nmt_cli_flag(nmt_cli *c, const char *name);

/* ---- the files of a command (src/cli/files.c) -------------------------------
 * nmt_cli_check_files: nmt_check_outputs (core/error.h) before any work;
 * returns -1 when the command goes on, else the exit status (1: an output
 * that cannot be written, 2: two arguments name the same file) after the
 * message. nmt_cli_reserve_model: reserves the disk space of m's file at
 * path (NULL: nothing) before the training; 0, or 1 after the message.
 * nmt_cli_corpus_notes: one warning line on stderr saying what reading the
 * corpus skipped or repaired, if anything. */
int nmt_cli_check_files(const char *cmd, const nmt_file_arg *out, int nout, const nmt_file_arg *in, int nin);
int nmt_cli_reserve_model(const char *cmd, const char *path, const nmt_model *m);
void nmt_cli_corpus_notes(const char *cmd, const char *path, const nmt_corpus *c);

/* Flags several commands share: their ranges, defaults and help are written
 * here once. */
extern const char *const nmt_precision_choices[];   /* "fp32", "bf16": index = nmt_precision */
#define NMT_FLAG_DATA(p, what)                                                                        \
    {.name = "--data", .kind = NMT_FLAG_STRING, .ptr = (p), .arg = "FILE", .required = 1, .nonempty = 1, \
     .help = what}
#define NMT_FLAG_MODEL(p, what)                                                                        \
    {.name = "--model", .kind = NMT_FLAG_STRING, .ptr = (p), .arg = "FILE", .required = 1, .nonempty = 1, \
     .help = what}
#define NMT_FLAG_THREADS(p)                                                                                \
    {.name = "--threads", .kind = NMT_FLAG_INT, .ptr = (p), .arg = "N", .lo = 1, .hi = 1024,               \
     .def_text = "$OMP_NUM_THREADS, else one per processor", .help = "worker threads; results do not depend on it"}
/* Decoding (translate, eval); NMT_BEAM_MAX is decode/decode.h's. */
#define NMT_FLAG_BEAM(p)                                                                                   \
    {.name = "--beam", .kind = NMT_FLAG_INT, .ptr = (p), .arg = "N", .idef = 1, .lo = 1, .hi = NMT_BEAM_MAX, \
     .help = "beam search keeping N hypotheses per sentence; 1: greedy decoding"}
#define NMT_FLAG_LENGTH_PENALTY(p)                                                                         \
    {.name = "--length-penalty", .kind = NMT_FLAG_REAL, .ptr = (p), .arg = "A", .rdef = 0, .rlo = 0,       \
     .rhi = 10, .help = "rank hypotheses by score / length^A (0: by score, as the book)"}
#define NMT_FLAG_SPLIT_SEED(p)                                                                           \
    {.name = "--split-seed", .kind = NMT_FLAG_INT, .ptr = (p), .arg = "N", .idef = NMT_RECIPE_SPLIT_SEED, \
     .lo = 0, .hi = 4294967295L, .help = "seed of the numpy-compatible shuffle of the corpus before the split"}
#define NMT_FLAG_N_TRAIN(p, min, what)                                                                    \
    {.name = "--n-train", .kind = NMT_FLAG_INT, .ptr = (p), .arg = "N", .idef = NMT_RECIPE_N_TRAIN,       \
     .lo = (min), .hi = 1L << 40, .help = what}
#define NMT_FLAG_VALID_MAX(p)                                                                          \
    {.name = "--valid-max", .kind = NMT_FLAG_INT, .ptr = (p), .arg = "N", .lo = 0, .hi = 1L << 40,     \
     .help = "evaluate on at most the first N validation pairs (0: all)"}
#define NMT_FLAG_BATCH_SIZE(p, what)                                                                       \
    {.name = "--batch-size", .kind = NMT_FLAG_INT, .ptr = (p), .arg = "N", .idef = NMT_RECIPE_BATCH_SIZE, \
     .lo = 1, .hi = 4096, .help = what}
/* A character model's text (train, eval). */
#define NMT_FLAG_STATEFUL(p, what) {.name = "--stateful", .kind = NMT_FLAG_BOOL, .ptr = (p), .help = what}
#define NMT_FLAG_TRAIN_CHARS(p)                                                                          \
    {.name = "--train-chars", .kind = NMT_FLAG_INT, .ptr = (p), .arg = "N", .lo = 1, .hi = 1L << 40,     \
     .def_text = "the book's 1000000, or its fraction of a shorter text",                                \
     .help = "charrnn: the first N characters of the text train"}
#define NMT_FLAG_VALID_CHARS(p)                                                                          \
    {.name = "--valid-chars", .kind = NMT_FLAG_INT, .ptr = (p), .arg = "N", .lo = 0, .hi = 1L << 40,     \
     .def_text = "the book's 60000, or its fraction of a shorter text",                                  \
     .help = "charrnn: the next N characters validate"}
#define NMT_FLAG_PRECISION(p, what)                                                                          \
    {.name = "--precision", .kind = NMT_FLAG_CHOICE, .ptr = (p), .choices = nmt_precision_choices, .help = what}
#endif
