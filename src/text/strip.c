/* The text recipe around TextVectorization: the characters deleted before
 * everything (the notebook's text.replace("¡", "").replace("¿", "")), and the
 * checks of what a model file may record about its text (languages, those
 * characters). */
#include <string.h>

#include "core/error.h"
#include "text/text.h"

// length of the well-formed UTF-8 sequence at s[i] (strict, as Python decodes), 0 if invalid
size_t nmt_utf8_char_len(const unsigned char *s, size_t i, size_t len) {
    unsigned c = s[i];
    if (c < 0x80) return 1;
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;   // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;       // no overlongs
        if (c == 0xED) hi = 0x9F;       // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;       // no overlongs
        if (c == 0xF4) hi = 0x8F;       // nothing above U+10FFFF
    } else return 0;
    if (i + n > len) return 0;
    if (s[i + 1] < lo || s[i + 1] > hi) return 0;
    for (size_t k = 2; k < n; k++)
        if (s[i + k] < 0x80 || s[i + k] > 0xBF) return 0;
    return n;
}

// C0 and C1 controls, DEL, U+2028 and U+2029: characters that make or break
// lines and columns (str.splitlines, TAB), or that no name should hold
static int is_control(const unsigned char *s, size_t n) {
    if (n == 1) return s[0] < 0x20 || s[0] == 0x7F;
    if (n == 2) return s[0] == 0xC2 && s[1] < 0xA0;
    return n == 3 && s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9);
}

// checks s character by character; NULL if fine, else what is wrong
static const char *bad_text(const char *text, size_t *at) {
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text);
    for (size_t i = 0; i < len;) {
        size_t n = nmt_utf8_char_len(s, i, len);
        *at = i;
        if (n == 0) return "not valid UTF-8";
        if (is_control(s + i, n)) return "a control character or line break";
        i += n;
    }
    return NULL;
}

int nmt_strip_chars_check(const char *chars, const char *what) {
    size_t at = 0, count = 0;
    const char *why = bad_text(chars, &at);
    if (why) return nmt_error("%s: character %zu is %s", what, at + 1, why);
    const unsigned char *s = (const unsigned char *)chars;
    size_t len = strlen(chars);
    for (size_t i = 0; i < len; count++) {
        size_t n = nmt_utf8_char_len(s, i, len);
        if (count == NMT_STRIP_CHARS_MAX) return nmt_error("%s: more than %d characters", what, NMT_STRIP_CHARS_MAX);
        for (size_t j = 0; j < i;) {
            size_t m = nmt_utf8_char_len(s, j, len);
            if (m == n && memcmp(s + i, s + j, n) == 0)
                return nmt_error("%s: '%.*s' given twice", what, (int)n, chars + i);
            j += m;
        }
        i += n;
    }
    return 0;
}

int nmt_language_check(const char *name, const char *what) {
    size_t at = 0, len = strlen(name);
    if (len == 0 || len > NMT_LANGUAGE_MAX)
        return nmt_error("%s: a language name has 1 to %d bytes, got %zu", what, NMT_LANGUAGE_MAX, len);
    const char *why = bad_text(name, &at);
    if (why) return nmt_error("%s: byte %zu of '%s' is %s", what, at + 1, name, why);
    return 0;
}

// bytes of the UTF-8 character whose first byte is c (the list is checked)
static size_t lead_len(unsigned char c) { return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }

size_t nmt_strip_match(const char *chars, const char *s, size_t avail) {
    if (!chars) return 0;
    for (const char *c = chars; *c;) {
        size_t n = lead_len((unsigned char)*c);
        if (n <= avail && c[0] == s[0] && memcmp(c, s, n) == 0) return n;
        c += n;
    }
    return 0;
}

size_t nmt_strip_chars(const char *chars, const char *in, char *out) {
    size_t len = strlen(in), k = 0;
    for (size_t i = 0; i < len;) {
        size_t m = chars && *chars ? nmt_strip_match(chars, in + i, len - i) : 0;
        if (m) {
            i += m;
            continue;
        }
        out[k++] = in[i++];
    }
    out[k] = 0;
    return k;
}
