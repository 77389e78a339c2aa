/* Corpus reading, standardization, vocabulary and vectorization.
 * Small cases were checked against tf-keras 2.15 TextVectorization and Python's
 * str.splitlines; the real-corpus vectors are those of ch16-reference.md §1.5/§5. */
#include <time.h>

#include "check.h"
#include "core/error.h"
#include "text/text.h"

// wall-clock seconds
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

// standardizes s and compares with want
static void check_std(const char *s, const char *want) {
    char out[256];
    size_t n = nmt_standardize(s, out);
    CHECK(n == strlen(want) && strcmp(out, want) == 0, "standardize(\"%s\") = \"%s\", want \"%s\"", s,
          out, want);
}

static void test_standardize(void) {
    check_std("Hello, World!", "hello world");
    check_std("É stays É; Él ÁÑÓ", "É stays É Él ÁÑÓ");         // only A-Z are lowercased
    check_std("don't DiCaprio's", "dont dicaprios");            // apostrophe deleted, words merge
    check_std("... -- a-b", "  ab");                            // punctuation-only tokens vanish
    check_std("¡Hola! ¿Qué?", "¡hola ¿qué");                    // ¡ ¿ untouched by standardize
    check_std("«x» \xe2\x80\x9cq\xe2\x80\x9d", "«x» \xe2\x80\x9cq\xe2\x80\x9d");  // nor other non-ASCII
    check_std("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "");          // all 32 of string.punctuation
    check_std("AZaz09 \t\n", "azaz09 \t\n");                    // whitespace kept
    check_std("[UNK]", "unk");
    check_std("", "");
    // every other printable ASCII byte survives
    char in[2] = {0, 0}, out[2];
    int kept = 0;
    for (int c = 1; c < 128; c++) {
        in[0] = (char)c;
        kept += nmt_standardize(in, out) == 1;
    }
    CHECK(kept == 127 - 32, "%d ASCII bytes kept", kept);
}

// the mixed corpus used with tf-keras 2.15 TextVectorization().adapt(...)
static const char *const tf_texts[] = {
    "a\302\240b c\034d\302\205e\342\200\250f  g\tH\vI\fJ\rK\nL",
    "\xc3\x89L \xc3\x89l DON'T don't \xc2\xa1Hola! \xc2\xbfqu\xc3\xa9? ... -- a-b \xc2\xabx\xc2\xbb \xe2\x80\x9cq\xe2\x80\x9d [UNK] x_y 1,000",
    "abc ab abd b a aa",
    "   ",
};

static void test_vocab_tf(void) {
    static const char *const want[] = {
        "", "[UNK]", "\xc3\x89l", "dont", "ab", "\xe2\x80\x9cq\xe2\x80\x9d", "\xc2\xbfqu\xc3\xa9",
        "\xc2\xabx\xc2\xbb", "\xc2\xa1hola", "xy", "unk", "l", "k", "j", "i", "h", "g",
        "c\034d\302\205e\342\200\250f", "b", "a\302\240b", "abd", "abc", "aa", "a", "1000"};
    int nw = (int)(sizeof want / sizeof *want);
    size_t distinct = 0;
    nmt_vocab *v = nmt_vocab_adapt(tf_texts, 4, 0, NULL, NULL, &distinct);
    CHECK(v != NULL, "adapt: %s", nmt_last_error());
    if (!v) return;
    CHECK(nmt_vocab_size(v) == nw, "size %d", nmt_vocab_size(v));
    CHECK(distinct == (size_t)nw - 2, "distinct %zu", distinct);
    for (int i = 0; i < nw && i < nmt_vocab_size(v); i++) CHECK_STR(nmt_vocab_token(v, i), want[i]);
    CHECK(nmt_vocab_token(v, nw) == NULL && nmt_vocab_token(v, -1) == NULL, "token out of range");
    // TF's int output rows, without the padding
    static const int32_t rows[4][12] = {
        {19, 17, 16, 15, 14, 13, 12, 11},
        {2, 2, 3, 3, 8, 6, 4, 7, 5, 10, 9, 24},
        {21, 4, 20, 18, 23, 22},
        {0},
    };
    static const int lens[4] = {8, 12, 6, 0};
    for (int r = 0; r < 4; r++) {
        int32_t ids[64];
        int n = nmt_vectorize(v, tf_texts[r], ids, 64);
        CHECK(n == lens[r] && memcmp(ids, rows[r], n * sizeof *ids) == 0, "row %d: %d ids", r, n);
    }
    int32_t ids[4];
    CHECK(nmt_vectorize(v, tf_texts[1], ids, 3) == 3 && ids[0] == 2 && ids[2] == 3, "truncation keeps the start");
    CHECK(nmt_vectorize(v, tf_texts[1], ids, 0) == 0, "max_len 0");
    CHECK(nmt_vocab_id(v, "", 0) == 0, "'' is the mask id");
    CHECK(nmt_vocab_id(v, "[UNK]", 5) == 1 && nmt_vocab_id(v, "nope", 4) == 1, "unknown -> 1");
    CHECK(nmt_vocab_id(v, "abcdef", 3) == 21, "lookup by length");
    nmt_vocab_free(v);
}

// ties broken by token bytes descending; max_tokens keeps the first max_tokens-2
static void test_vocab_ties(void) {
    const char *texts[] = {"b a c a b c d e", "zz zz zz y", "y ab ab abc abc"};
    nmt_vocab *v = nmt_vocab_adapt(texts, 3, 6, NULL, NULL, NULL);   // checked with tf-keras
    const char *want[] = {"", "[UNK]", "zz", "y", "c", "b"};
    CHECK(v && nmt_vocab_size(v) == 6, "size");
    for (int i = 0; v && i < 6; i++) CHECK_STR(nmt_vocab_token(v, i), want[i]);
    nmt_vocab_free(v);
    v = nmt_vocab_adapt(texts, 3, 0, NULL, NULL, NULL);
    const char *all[] = {"", "[UNK]", "zz", "y", "c", "b", "abc", "ab", "a", "e", "d"};
    CHECK(v && nmt_vocab_size(v) == 11, "size");
    for (int i = 0; v && i < 11; i++) CHECK_STR(nmt_vocab_token(v, i), all[i]);
    nmt_vocab_free(v);
    // prefix and suffix words are counted once per text
    const char *t2[] = {"x", "x y"};
    size_t distinct;
    v = nmt_vocab_adapt(t2, 2, 100, "Start,of", "end.", &distinct);
    const char *want2[] = {"", "[UNK]", "x", "startof", "end", "y"};
    CHECK(v && nmt_vocab_size(v) == 6 && distinct == 4, "prefix/suffix size");
    for (int i = 0; v && i < 6; i++) CHECK_STR(nmt_vocab_token(v, i), want2[i]);
    nmt_vocab_free(v);
    CHECK(nmt_vocab_adapt(t2, 2, 1, NULL, NULL, NULL) == NULL, "max_tokens 1 refused");
    // explicit lists
    const char *list[] = {"", "[UNK]", "hola", "mundo"};
    v = nmt_vocab_from_list(list, 4);
    int32_t ids[8];
    int n = v ? nmt_vectorize(v, "  Hola, MUNDO cruel!  ", ids, 8) : -1;
    CHECK(n == 3 && ids[0] == 2 && ids[1] == 3 && ids[2] == 1, "from_list vectorize (%d)", n);
    nmt_vocab_free(v);
    const char *dup[] = {"", "[UNK]", "a", "a"};
    CHECK(nmt_vocab_from_list(dup, 4) == NULL && strstr(nmt_last_error(), "repeated"), "duplicate");
    const char *bad[] = {"[UNK]", ""};
    CHECK(nmt_vocab_from_list(bad, 2) == NULL, "specials first");
}

// parses text and expects n pairs
static int parse(nmt_corpus *c, const char *text, size_t len) {
    nmt_error_clear();
    return nmt_corpus_parse(c, text, len, "spa.txt", NMT_STRIP_CHARS, 0);
}

static void test_parse(void) {
    nmt_corpus c;
    // every str.splitlines separator, a manythings 3rd column, a final newline
    const char t[] = "a\tb\r\nc\td\re\tf\vg\th\fi\tj\x1ck\tl\x1dm\tn\x1eo\tp\xc2\x85q\tr"
                     "\xe2\x80\xa8s\tt\xe2\x80\xa9u\tv\tCC-BY 2.0 (France) Attribution\n";
    CHECK(parse(&c, t, sizeof t - 1) == 0, "%s", nmt_last_error());
    CHECK(c.n == 11, "%zu pairs", c.n);
    const char *en = "acegikmoqsu", *es = "bdfhjlnprtv";
    for (size_t i = 0; i < c.n && i < 11; i++) {
        CHECK(c.en[i][0] == en[i] && c.en[i][1] == 0, "en %zu = \"%s\"", i, c.en[i]);
        CHECK(c.es[i][0] == es[i] && c.es[i][1] == 0, "es %zu = \"%s\"", i, c.es[i]);
    }
    // counted: the third column, and the 9 breaks other than LF and CR LF
    CHECK(c.notes.extra == 1 && c.notes.extra_line == 11 && c.notes.breaks == 9 && c.notes.breaks_line == 2 &&
              !c.notes.bom && !c.notes.empty, "notes: extra %zu (line %zu), breaks %zu (line %zu)", c.notes.extra,
          c.notes.extra_line, c.notes.breaks, c.notes.breaks_line);
    nmt_corpus_free(&c);
    // ¡ and ¿ deleted everywhere, nothing else; no final newline; a blank side skips the line
    const char t2[] = "\xc2\xa1Hola!\t\xc2\xbfQu\xc3\xa9? \xc2\xa1" "a\xc2\xbf\n\tx\ny\t";
    CHECK(parse(&c, t2, sizeof t2 - 1) == 0 && c.n == 1, "%s", nmt_last_error());
    if (c.n == 1) {
        CHECK_STR(c.en[0], "Hola!");
        CHECK_STR(c.es[0], "Qu\xc3\xa9? a");
    }
    CHECK(c.notes.empty == 2 && c.notes.empty_line == 2, "notes: empty %zu (line %zu)", c.notes.empty,
          c.notes.empty_line);
    nmt_corpus_free(&c);
    // a ¡ between \r and \n: read_text() made it two line ends, so line 2 is empty
    const char t3[] = "a\tb\r\xc2\xa1\nc\td\n";
    CHECK(parse(&c, t3, sizeof t3 - 1) == -1, "empty line after \\r");
    CHECK(strcmp(nmt_last_error(), "spa.txt:2: expected English<TAB>Spanish") == 0, "%s", nmt_last_error());
    // malformed lines
    const char t4[] = "Go.\tVe.\nHi.\tHola.\nRun!\n";
    CHECK(parse(&c, t4, sizeof t4 - 1) == -1 && c.n == 0 && c.buf == NULL, "missing tab");
    CHECK(strcmp(nmt_last_error(), "spa.txt:3: expected English<TAB>Spanish") == 0, "%s", nmt_last_error());
    const char t5[] = "Go.\tVe.\n\nHi.\tHola.\n";
    CHECK(parse(&c, t5, sizeof t5 - 1) == -1, "empty middle line");
    CHECK(strcmp(nmt_last_error(), "spa.txt:2: expected English<TAB>Spanish") == 0, "%s", nmt_last_error());
    const char t6[] = "Go.\tVe.\n\n";
    CHECK(parse(&c, t6, sizeof t6 - 1) == -1 && strstr(nmt_last_error(), "spa.txt:2:"), "blank last line");
    CHECK(parse(&c, "", 0) == -1 && strstr(nmt_last_error(), "no sentence pairs"), "empty input");
    // invalid UTF-8: stray continuation, overlong, surrogate, truncated, NUL
    const char *badu[] = {"a\tb\nc\t\x80\n", "a\tb\nc\t\xc0\xaf\n", "a\tb\nc\t\xed\xa0\x80\n",
                          "a\tb\nc\t\xe2\x80"};
    for (int i = 0; i < 4; i++) {
        CHECK(parse(&c, badu[i], strlen(badu[i])) == -1, "bad utf-8 %d accepted", i);
        CHECK(strstr(nmt_last_error(), "spa.txt:2: invalid UTF-8"), "%d: %s", i, nmt_last_error());
    }
    const char t7[] = "a\tb\nc\td\0e\n";
    CHECK(parse(&c, t7, sizeof t7 - 1) == -1 && strstr(nmt_last_error(), "spa.txt:2: NUL byte"), "%s",
          nmt_last_error());
    const char t8[] = "\xf0\x9f\x98\x80\t\xf4\x8f\xbf\xbf";   // 4-byte sequences are fine
    CHECK(parse(&c, t8, sizeof t8 - 1) == 0 && c.n == 1, "%s", nmt_last_error());
    nmt_corpus_free(&c);
    CHECK(nmt_corpus_read(&c, "/nonexistent/spa.txt", NMT_STRIP_CHARS, 0) == -1 && strstr(nmt_last_error(), "/nonexistent/spa.txt"),
          "%s", nmt_last_error());
}

// what is unusual: repaired or skipped and counted by default, refused with the line in strict mode
static void test_strict(void) {
    nmt_corpus c;
    static const struct {
        const char *text, *error;   // the strict error
    } cases[] = {
        {"\xef\xbb\xbfGo.\tVe.\n", "spa.txt:1: starts with a byte-order mark (U+FEFF) (--strict)"},
        {"Go.\tVe.\n \tHola.\n", "spa.txt:2: the English side is blank (--strict)"},
        {"Go.\tVe.\nHi.\t\n", "spa.txt:2: the Spanish side is blank (--strict)"},
        {"Go.\tVe.\nHi.\tHola.\tCC-BY\n", "spa.txt:2: more than two columns; expected English<TAB>Spanish (--strict)"},
        {"Go.\tVe.\nHi.\tHola.\rRun!\tCorre.\n",
         "spa.txt:2: ends with a CR alone, a line break other than LF or CR LF (--strict)"},
        {"Go.\tVe.\nHi.\tHola.\xe2\x80\xa8Run!\tCorre.\n",
         "spa.txt:2: ends with U+2028, a line break other than LF or CR LF (--strict)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *t = cases[i].text;
        nmt_error_clear();
        CHECK(nmt_corpus_parse(&c, t, strlen(t), "spa.txt", NMT_STRIP_CHARS, 1) == -1 && c.n == 0 && !c.buf,
              "strict accepted case %zu", i);
        CHECK(strcmp(nmt_last_error(), cases[i].error) == 0, "case %zu: %s", i, nmt_last_error());
        CHECK(nmt_corpus_parse(&c, t, strlen(t), "spa.txt", NMT_STRIP_CHARS, 0) == 0, "case %zu: %s", i,
              nmt_last_error());
        char text[512];
        CHECK(nmt_corpus_notes_text(&c.notes, text, sizeof text), "case %zu: no notes", i);
        nmt_corpus_free(&c);
    }
    // the CRLF of Windows and a final line without a line break are usual: no notes, strict or not
    const char crlf[] = "Go.\tVe.\r\nHi.\tHola.";
    CHECK(nmt_corpus_parse(&c, crlf, sizeof crlf - 1, "spa.txt", NMT_STRIP_CHARS, 1) == 0 && c.n == 2, "%s",
          nmt_last_error());
    char text[512];
    CHECK(!nmt_corpus_notes_text(&c.notes, text, sizeof text), "notes for CRLF: %s", text);
    nmt_corpus_free(&c);
    // all at once: counted, and said in one line; the BOM is not part of the first sentence
    const char all[] = "\xef\xbb\xbfGo.\tVe.\tx\n\tHola.\nHi.\tHola.\ty\vRun!\t \nA.\tB.\n";
    CHECK(nmt_corpus_parse(&c, all, sizeof all - 1, "spa.txt", NMT_STRIP_CHARS, 0) == 0 && c.n == 3, "%s",
          nmt_last_error());
    if (c.n == 3) CHECK_STR(c.en[0], "Go.");
    CHECK(nmt_corpus_notes_text(&c.notes, text, sizeof text), "no notes");
    CHECK_STR(text, "removed the byte-order mark at the start; skipped 2 lines whose English or Spanish side is "
                    "blank (first: line 2); ignored the columns after the second on 2 lines (first: line 1); "
                    "1 line break other than LF or CR LF ended lines (line 3)");
    nmt_corpus_free(&c);
}

// the characters deleted before everything (nmt train --strip-chars) and the language names
static void test_strip_chars(void) {
    nmt_corpus c;
    // a French corpus keeps its ¿ with an empty list; the book's list deletes it
    const char fr[] = "\xc2\xbfQui est l\xc3\xa0 ?\tWho is there?\n\xc2\xab Non ! \xc2\xbb\tNo!\n";
    CHECK(nmt_corpus_parse(&c, fr, sizeof fr - 1, "fr.txt", "", 0) == 0 && c.n == 2, "%s", nmt_last_error());
    if (c.n == 2) {
        CHECK_STR(c.en[0], "\xc2\xbfQui est l\xc3\xa0 ?");
        CHECK_STR(c.en[1], "\xc2\xab Non ! \xc2\xbb");
    }
    nmt_corpus_free(&c);
    CHECK(nmt_corpus_parse(&c, fr, sizeof fr - 1, "fr.txt", NULL, 0) == 0 && c.n == 2 &&
              strcmp(c.en[0], "\xc2\xbfQui est l\xc3\xa0 ?") == 0, "NULL deletes nothing");
    nmt_corpus_free(&c);
    CHECK(nmt_corpus_parse(&c, fr, sizeof fr - 1, "fr.txt", NMT_STRIP_CHARS, 0) == 0 && c.n == 2 &&
              strcmp(c.en[0], "Qui est l\xc3\xa0 ?") == 0, "the book's list");
    nmt_corpus_free(&c);
    // another list: guillemets and the 4-byte U+1F600 deleted, ¿ kept
    CHECK(nmt_corpus_parse(&c, fr, sizeof fr - 1, "fr.txt", "\xc2\xab\xc2\xbb\xf0\x9f\x98\x80", 0) == 0 && c.n == 2,
          "%s", nmt_last_error());
    if (c.n == 2) {
        CHECK_STR(c.en[0], "\xc2\xbfQui est l\xc3\xa0 ?");
        CHECK_STR(c.en[1], " Non ! ");
    }
    nmt_corpus_free(&c);
    // line numbers count the lines after the deletions, as before
    const char bad[] = "a\tb\n\xc2\xbf\n";
    CHECK(nmt_corpus_parse(&c, bad, sizeof bad - 1, "x.txt", "", 0) == -1 &&
              strcmp(nmt_last_error(), "x.txt:2: expected English<TAB>Spanish") == 0, "%s", nmt_last_error());

    char out[64];
    CHECK(nmt_strip_chars(NMT_STRIP_CHARS, "\xc2\xa1Hola! \xc2\xbfQu\xc3\xa9?", out) == 11 &&
              strcmp(out, "Hola! Qu\xc3\xa9?") == 0, "strip: '%s'", out);
    CHECK(nmt_strip_chars("", "\xc2\xa1" "a", out) == 3 && strcmp(out, "\xc2\xa1" "a") == 0, "empty list");
    CHECK(nmt_strip_chars(NULL, "ab", out) == 2 && strcmp(out, "ab") == 0, "NULL list");

    // the lists and names a model may record
    CHECK(nmt_strip_chars_check("", "--strip-chars") == 0, "empty list refused");
    CHECK(nmt_strip_chars_check(NMT_STRIP_CHARS, "--strip-chars") == 0, "the book's list refused");
    CHECK(nmt_strip_chars_check("\xc2\xab\xc2\xbb-\xf0\x9f\x98\x80", "x") == 0, "%s", nmt_last_error());
    const char *bad_lists[] = {"\t", "a\n", "\r", "\x7f", "\xc2\x85", "\xe2\x80\xa8", "\xc3", "\xc0\xaf", "ab\xc2\xa1" "b"};
    const char *why[] = {"control", "control", "control", "control", "control", "control", "UTF-8", "UTF-8",
                         "'b' given twice"};
    for (int i = 0; i < 9; i++) {
        CHECK(nmt_strip_chars_check(bad_lists[i], "--strip-chars") == -1, "list %d accepted", i);
        CHECK(strstr(nmt_last_error(), "--strip-chars: ") == nmt_last_error() && strstr(nmt_last_error(), why[i]),
              "list %d: %s", i, nmt_last_error());
    }
    char many[200];
    for (int i = 0; i < 65; i++) many[i] = (char)('!' + i);
    many[65] = 0;
    CHECK(nmt_strip_chars_check(many, "x") == -1 && strstr(nmt_last_error(), "more than 64"), "65 characters");
    many[64] = 0;
    CHECK(nmt_strip_chars_check(many, "x") == 0, "64 characters: %s", nmt_last_error());
    CHECK(nmt_language_check("English", "--src-lang") == 0 && nmt_language_check("Fran\xc3\xa7" "ais", "x") == 0,
          "names refused");
    CHECK(nmt_language_check("", "--src-lang") == -1 && strstr(nmt_last_error(), "--src-lang: "), "empty name");
    CHECK(nmt_language_check("Fr\tench", "x") == -1 && strstr(nmt_last_error(), "control"), "TAB in a name");
    CHECK(nmt_language_check("\xff", "x") == -1 && strstr(nmt_last_error(), "UTF-8"), "invalid UTF-8");
    memset(many, 'a', 65);
    many[65] = 0;
    CHECK(nmt_language_check(many, "x") == -1, "65-byte name");

    // a vocabulary records both; nmt_vectorize deletes its characters first
    const char *toks[] = {"", "[UNK]", "qu\xc3\xa9", "\xc2\xbfqu\xc3\xa9"};
    nmt_vocab *v = nmt_vocab_from_list(toks, 4);
    int32_t ids[4];
    CHECK(v && nmt_vocab_language(v) == NULL && strcmp(nmt_vocab_strip_chars(v), "") == 0, "fresh vocabulary");
    CHECK(v && nmt_vectorize(v, "\xc2\xbfQu\xc3\xa9?", ids, 4) == 1 && ids[0] == 3, "nothing deleted by default");
    CHECK(v && nmt_vocab_set_strip_chars(v, NMT_STRIP_CHARS) == 0 && nmt_vocab_set_language(v, "Spanish") == 0,
          "set: %s", nmt_last_error());
    CHECK(v && nmt_vectorize(v, "\xc2\xbfQu\xc3\xa9?", ids, 4) == 1 && ids[0] == 2, "¿ deleted before vectorizing");
    CHECK(v && nmt_vocab_set_strip_chars(v, "\t") == -1 && strcmp(nmt_vocab_strip_chars(v), NMT_STRIP_CHARS) == 0,
          "a refused list changed the vocabulary");
    CHECK(v && nmt_vocab_set_language(v, "") == -1 && strcmp(nmt_vocab_language(v), "Spanish") == 0, "language");
    nmt_vocab_free(v);
}

// token count of text (no truncation) with any vocabulary
static int n_tokens(const nmt_vocab *v, const char *text, int32_t *ids) {
    return nmt_vectorize(v, text, ids, 1 << 20);
}

// the acceptance vectors of ch16-reference.md §1.5 and §5 on the real spa.txt
static void test_real_corpus(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/spa-eng/spa.txt", dir);
    nmt_corpus c;
    double t0 = now_s();
    CHECK(nmt_corpus_read(&c, path, NMT_STRIP_CHARS, 0) == 0, "%s", nmt_last_error());
    if (c.n == 0) return;
    double t1 = now_s();
    CHECK(c.n == 118964, "%zu pairs", c.n);
    uint32_t *perm = nmt_xmalloc(c.n * sizeof *perm);
    nmt_corpus_permutation(perm, c.n, 42);
    const uint32_t want[8] = {1025, 4338, 55586, 65803, 103488, 76241, 86305, 37810};
    for (int i = 0; i < 8; i++) CHECK(perm[i] == want[i], "perm[%d] = %u", i, perm[i]);
    free(perm);
    nmt_corpus_shuffle(&c, 42);
    CHECK_STR(c.en[0], "How boring!");
    CHECK_STR(c.es[0], "Qu\xc3\xa9 aburrimiento!");
    CHECK_STR(c.en[1], "I love sports.");
    CHECK_STR(c.es[1], "Adoro el deporte.");
    CHECK_STR(c.en[2], "Would you like to swap jobs?");
    CHECK_STR(c.es[2], "Te gustar\xc3\xad" "a que intercambiemos los trabajos?");

    size_t den, des;
    double t2 = now_s();
    nmt_vocab *ven = nmt_vocab_adapt((const char *const *)c.en, c.n, 1000, NULL, NULL, &den);
    nmt_vocab *ves = nmt_vocab_adapt((const char *const *)c.es, c.n, 1000, "startofseq", "endofseq", &des);
    double t3 = now_s();
    CHECK(ven && ves, "%s", nmt_last_error());
    if (!ven || !ves) return;
    CHECK(den == 13632 && des == 26141, "distinct %zu EN, %zu ES", den, des);
    CHECK(nmt_vocab_size(ven) == 1000 && nmt_vocab_size(ves) == 1000, "sizes");
    const char *en_pre[] = {"", "[UNK]", "the", "i", "to", "you", "tom", "a", "is", "he", "in",
                            "of", "that", "it", "was", "do", "have", "this", "me", "my", "for", "she"};
    const char *es_pre[] = {"", "[UNK]", "startofseq", "endofseq", "de", "que", "a", "no", "tom",
                            "la", "el", "en", "es", "un", "me", "se", "por", "lo", "una", "su",
                            "\xc3\x89l", "los"};
    for (int i = 0; i < 22; i++) {
        CHECK_STR(nmt_vocab_token(ven, i), en_pre[i]);
        CHECK_STR(nmt_vocab_token(ves, i), es_pre[i]);
    }
    CHECK_STR(nmt_vocab_token(ven, 998), "weeks");
    CHECK_STR(nmt_vocab_token(ven, 999), "wallet");
    CHECK_STR(nmt_vocab_token(ves, 999), "necesitaba");
    const char *en_out[] = {"kissed", "german", "favor", "correct"};
    const char *es_out[] = {"mar", "helado", "encontrado", "claro"};
    for (int i = 0; i < 4; i++) {
        CHECK(nmt_vocab_id(ven, en_out[i], strlen(en_out[i])) == 1, "%s kept", en_out[i]);
        CHECK(nmt_vocab_id(ves, es_out[i], strlen(es_out[i])) == 1, "%s kept", es_out[i]);
    }
    CHECK(nmt_vocab_id(ves, "\xc3\x89l", 3) == 20, "\xc3\x89l");

    // longest sentences and non-pad target tokens: target = es + " endofseq", cut to 50
    int32_t ids[256];
    char buf[4096];
    int max_en = 0, max_es = 0;
    long tok_train = 0, tok_valid = 0;
    size_t no_end = 0;
    for (size_t i = 0; i < c.n; i++) {
        int ne = n_tokens(ven, c.en[i], ids);
        if (ne > max_en) max_en = ne;
        snprintf(buf, sizeof buf, "%s endofseq", c.es[i]);
        int nt = n_tokens(ves, buf, ids);
        if (nt > max_es) max_es = nt;
        int kept = nmt_vectorize(ves, buf, ids, 50);
        no_end += !(nt > 50 || (kept > 0 && ids[kept - 1] == 3));
        if (i < 100000) tok_train += kept;
        else tok_valid += kept;
    }
    CHECK(no_end == 0, "%zu targets do not end with endofseq", no_end);
    CHECK(max_en == 47 && max_es == 50, "longest EN %d, ES target %d", max_en, max_es);
    CHECK(tok_train == 708866 && tok_valid == 133842, "target tokens train %ld valid %ld", tok_train,
          tok_valid);
    double t4 = now_s();
    fprintf(stderr, "  real corpus: read %.3fs, adapt EN+ES %.3fs, vectorize all %.3fs\n", t1 - t0,
            t3 - t2, t4 - t3);
    CHECK(t3 - t2 < 3.0, "adapt took %.3fs (a generous bound: about 0.15 s at -O2)", t3 - t2);
    nmt_vocab_free(ven);
    nmt_vocab_free(ves);
    nmt_corpus_free(&c);
}

/* ---- character vectorization (split="character", standardize="lower") ---- */
/* The expected ids below were worked out by hand and checked with Python:
 * bytes.decode("utf-8", "replace") gives the same U+FFFD runs (one per maximal
 * ill-formed subpart), and a collections.Counter of the lowercased Shakespeare
 * sorted by (count, UTF-8 bytes) descending gives the same 39 tokens. */

// adapts on t (len bytes, all tokens) and compares the vocabulary after '' and [UNK]
static void check_chars_vocab(const char *t, size_t len, const char *const *want, int nw, const char *what) {
    size_t distinct = 99;
    nmt_vocab *v = nmt_vocab_adapt_chars(t, len, 0, &distinct);
    CHECK(v != NULL, "%s: %s", what, nmt_last_error());
    if (!v) return;
    CHECK(nmt_vocab_split(v) == NMT_SPLIT_CHARACTER, "%s: split mode", what);
    CHECK(nmt_vocab_size(v) == nw + 2 && distinct == (size_t)nw, "%s: size %d, distinct %zu", what,
          nmt_vocab_size(v), distinct);
    CHECK_STR(nmt_vocab_token(v, 0), "");
    CHECK_STR(nmt_vocab_token(v, 1), "[UNK]");
    for (int i = 0; i < nw && i + 2 < nmt_vocab_size(v); i++) {
        int tl = nmt_vocab_token_len(v, i + 2);
        CHECK(tl == (int)strlen(want[i]) && strcmp(nmt_vocab_token(v, i + 2), want[i]) == 0,
              "%s: token %d = \"%s\" (%d bytes), want \"%s\"", what, i + 2, nmt_vocab_token(v, i + 2), tl, want[i]);
    }
    nmt_vocab_free(v);
}

static void test_chars_small(void) {
    // ties by token bytes descending: c b a each twice, then the rest once each
    const char *ties[] = {"c", "b", "a", "z", "y", "x"};
    check_chars_vocab("abcabcxyz", 9, ties, 6, "ties");
    // only ASCII A-Z lowercased: É (C3 89) and é (C3 A9) stay two tokens;
    // whitespace and newlines are tokens; ties by bytes: É a \n, then é ' ' \t
    const char t1[] = "A\xc3\xa9\xc3\x89" "a\t\n \n\xc3\x89";
    const char *w1[] = {"\xc3\x89", "a", "\n", "\xc3\xa9", " ", "\t"};
    check_chars_vocab(t1, sizeof t1 - 1, w1, 6, "non-ASCII");
    // 1-4 byte code points, \r\n is two tokens, \v and \f too
    const char t2[] = "\r\n\v\f\xf0\x9f\x98\x80\xe2\x80\xa8Z";
    const char *w2[] = {"\xf0\x9f\x98\x80", "\xe2\x80\xa8", "z", "\r", "\f", "\v", "\n"};
    check_chars_vocab(t2, sizeof t2 - 1, w2, 7, "whitespace");
    // invalid UTF-8: one U+FFFD per maximal ill-formed subpart
    //   80 | C0 | AF | E2 80 (cut short by 'x') | ED | A0 | 80 (surrogate) | F0 9F 98 (at the end)
    const char t3[] = "\x80\xc0\xaf\xe2\x80x\xed\xa0\x80\xef\xbf\xbd\xf0\x9f\x98";
    const char *w3[] = {"\xef\xbf\xbd", "x"};
    check_chars_vocab(t3, sizeof t3 - 1, w3, 2, "invalid UTF-8");
    nmt_vocab *v = nmt_vocab_adapt_chars(t3, sizeof t3 - 1, 0, NULL);
    int32_t ids[32];
    size_t n = v ? nmt_vectorize_chars(v, t3, sizeof t3 - 1, ids, 32) : 0;
    const int32_t want3[] = {2, 2, 2, 2, 3, 2, 2, 2, 2, 2};
    CHECK(n == 10 && memcmp(ids, want3, sizeof want3) == 0, "invalid UTF-8: %zu ids", n);
    nmt_vocab_free(v);
    // U+0000 is a token (one byte; nmt_vocab_token reads it as "")
    const char t4[] = "a\0a";
    v = nmt_vocab_adapt_chars(t4, 3, 0, NULL);
    CHECK(v && nmt_vocab_size(v) == 4 && nmt_vocab_token_len(v, 3) == 1 && nmt_vocab_token(v, 3)[0] == 0,
          "NUL token");
    n = v ? nmt_vectorize_chars(v, t4, 3, ids, 32) : 0;
    CHECK(n == 3 && ids[0] == 2 && ids[1] == 3 && ids[2] == 2, "NUL ids");
    CHECK(v && nmt_vocab_token_len(v, 4) == -1 && nmt_vocab_token_len(v, -1) == -1, "token_len out of range");
    nmt_vocab_free(v);
    // an empty text: the two specials only
    size_t distinct = 9;
    v = nmt_vocab_adapt_chars("", 0, 0, &distinct);
    CHECK(v && nmt_vocab_size(v) == 2 && distinct == 0, "empty text");
    CHECK(v && nmt_vectorize_chars(v, "", 0, ids, 32) == 0, "empty vectorize");
    CHECK(v && nmt_vectorize_chars(v, "aB", 2, ids, 32) == 2 && ids[0] == 1 && ids[1] == 1, "all unknown");
    nmt_vocab_free(v);
    // max_tokens keeps the most frequent; truncation keeps the start; dispatch
    v = nmt_vocab_adapt_chars("aaabbc", 6, 4, &distinct);
    CHECK(v && nmt_vocab_size(v) == 4 && distinct == 3, "max_tokens");
    if (v) {
        CHECK_STR(nmt_vocab_token(v, 3), "b");
        CHECK(nmt_vectorize_chars(v, "CBA", 3, ids, 2) == 2 && ids[0] == 1 && ids[1] == 3, "truncation");
        CHECK(nmt_vectorize_chars(v, "CBA", 3, ids, 0) == 0, "max 0");
        char *words[4];
        int k = nmt_vectorize_words(v, "Ab c", ids, words, 4);
        CHECK(k == 4 && ids[0] == 2 && ids[1] == 3 && ids[2] == 1 && ids[3] == 1, "nmt_vectorize splits characters");
        for (int i = 0; i < k; i++) {
            CHECK(strlen(words[i]) == 1 && words[i][0] == "ab c"[i], "word %d", i);
            free(words[i]);
        }
    }
    CHECK(nmt_vocab_adapt_chars("a", 1, 1, NULL) == NULL, "max_tokens 1 refused");
    nmt_vocab_free(v);
    // the split is part of the vocabulary: word lists start as whitespace
    const char *list[] = {"", "[UNK]", "a"};
    v = nmt_vocab_from_list(list, 3);
    CHECK(v && nmt_vocab_split(v) == NMT_SPLIT_WHITESPACE, "from_list split");
    CHECK(v && nmt_vectorize(v, "a a", ids, 8) == 2, "whitespace split");
    CHECK(v && nmt_vocab_set_split(v, NMT_SPLIT_CHARACTER) == 0 && nmt_vectorize(v, "a a", ids, 8) == 3 &&
              ids[1] == 1, "character split after set");
    CHECK(v && nmt_vocab_set_split(v, (nmt_split)7) == -1 && nmt_vocab_split(v) == NMT_SPLIT_CHARACTER,
          "unknown split refused");
    nmt_vocab_free(v);
}

// reads a whole file into malloc'd memory; NULL on failure
static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 20, n = 0, got;
    char *buf = nmt_xmalloc(cap);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) buf = nmt_xrealloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

// the char-RNN's vocabulary of tiny Shakespeare (the book's encoded = ids - 2)
static void test_chars_shakespeare(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tinyshakespeare/input.txt", dir);
    size_t len = 0;
    char *text = read_all(path, &len);
    CHECK(text != NULL, "cannot read %s", path);
    if (!text) return;
    CHECK(len == 1115394, "%zu bytes", len);
    size_t distinct = 0;
    nmt_vocab *v = nmt_vocab_adapt_chars(text, len, 0, &distinct);
    CHECK(v != NULL, "%s", nmt_last_error());
    if (!v) {
        free(text);
        return;
    }
    static const char want[] = " etoaihsrn\nldumyw,cfgbp:kv.';?!-jqxz3&$";
    CHECK(distinct == 39 && nmt_vocab_size(v) == 41, "distinct %zu, size %d", distinct, nmt_vocab_size(v));
    for (int i = 0; i < 39 && i + 2 < nmt_vocab_size(v); i++) {
        const char *tok = nmt_vocab_token(v, i + 2);
        CHECK(nmt_vocab_token_len(v, i + 2) == 1 && tok[0] == want[i], "encoded id %d is '%s', want '%c'", i,
              tok, want[i]);
    }
    int32_t *ids = nmt_xmalloc(len * sizeof *ids);
    size_t n = nmt_vectorize_chars(v, text, len, ids, len);
    CHECK(n == 1115394, "dataset_size %zu", n);
    size_t spaces = 0, dollars = 0, unknown = 0;
    for (size_t i = 0; i < n; i++) {
        spaces += ids[i] == 2;
        dollars += ids[i] == 40;
        unknown += ids[i] < 2;
    }
    CHECK(spaces == 169892 && dollars == 1 && unknown == 0, "' ' %zu times, '$' %zu, unknown %zu", spaces,
          dollars, unknown);
    int32_t tb[8];
    n = nmt_vectorize_chars(v, "To be", 5, tb, 8);
    CHECK(n == 5 && tb[0] == 4 && tb[1] == 5 && tb[2] == 2 && tb[3] == 23 && tb[4] == 3,
          "\"To be\" -> %zu ids [%d %d %d %d %d]", n, tb[0], tb[1], tb[2], tb[3], tb[4]);
    // max_tokens keeps the most frequent: 10 -> ' ' to 's', 'r' unknown
    nmt_vocab *v10 = nmt_vocab_adapt_chars(text, len, 10, NULL);
    CHECK(v10 && nmt_vocab_size(v10) == 10 && strcmp(nmt_vocab_token(v10, 9), "s") == 0 &&
              nmt_vocab_id(v10, "r", 1) == 1, "max_tokens 10");
    nmt_vocab_free(v10);
    free(ids);
    nmt_vocab_free(v);
    free(text);
}

int main(void) {
    test_standardize();
    test_vocab_tf();
    test_vocab_ties();
    test_parse();
    test_strict();
    test_strip_chars();
    test_chars_small();
    const char *dir = check_data_dir();
    if (!dir) {
        if (check_exit("test_text")) return 1;
        return check_skip("test_text", "no corpus folder (set NMT_DATA)");
    }
    test_real_corpus(dir);
    test_chars_shakespeare(dir);
    return check_exit("test_text");
}
