#!/usr/bin/env python3
"""Write tests/fixtures/metrics_pairs.tsv and tests/fixtures/metrics_sacrebleu.json:
sacreBLEU's corpus BLEU and chrF, with its default settings, for sentence pairs
chosen to exercise every rule of the 13a tokenizer, BLEU's smoothing and
brevity penalty, and chrF (docs/METRICS.md); tests/test_metrics.c checks that
nmt agrees with every number.

Not part of the build.  Run it by hand, from the repository root, in a
virtualenv that has sacreBLEU installed:

    python3 -m venv venv && venv/bin/pip install 'sacrebleu==2.6.0'
    venv/bin/python tools/make_metrics_fixture.py [--out-dir DIR]

It is deterministic (no randomness; two runs write identical files) and takes
a second.  Another sacreBLEU 2.x should give the same numbers: the JSON records
the version and signatures used.

metrics_pairs.tsv: a header line, then one pair per line,
NAME<TAB>HYPOTHESIS<TAB>REFERENCE.  Each field is the sentence's bytes with
backslash escapes: \\\\ \\t \\n \\r, and \\xHH for one byte (written for
control characters, invisible whitespace, combining marks and the bytes that
are not valid UTF-8).  A sentence with invalid UTF-8 is scored by sacreBLEU as
Python decodes it with errors="surrogateescape" (each such byte is one
character), which is what nmt does with invalid bytes.  Sentences with a NUL
byte, a TAB or a line break inside are there too: the library scores a
sentence as given, whatever it holds.

metrics_sacrebleu.json:
  * "sacrebleu_version", "bleu_signature", "chrf_signature", "python_version";
  * "corpora": named subsets of the pairs ("all", "chapter", "identical",
    "numbers", ...), each with sacreBLEU's corpus_score: "bleu" {"score",
    "precisions", "bp", "ratio", "sys_len", "ref_len", "counts", "totals",
    "text" (Score.format(), e.g. "BLEU = 41.74 59.5/44.9/36.8/30.9 (BP = ...)")}
    and "chrf" {"score", "text", "stats" (per order 1..6: hypothesis, reference
    and matched n-grams, summed over the corpus, as sacreBLEU counts them)};
    the corpus "empty" has no pair: sacreBLEU's corpus_score refuses an empty
    corpus, so its numbers are what sacreBLEU computes from zero statistics;
  * "sentences": every pair alone, with sacreBLEU's sentence_score (BLEU()
    and CHRF() with their defaults, as for the corpora), the same members.
"""

import argparse
import json
import logging
import os
import platform
import sys
import unicodedata

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF


def b(raw):
    """A sentence given as bytes (possibly invalid UTF-8), as Python decodes it
    with surrogateescape: each undecodable byte 0xHH is the character U+DCHH."""
    return raw.decode("utf-8", "surrogateescape")


# (name, hypothesis, reference).  Names group the pairs: es_ (translations of
# the chapter's kind), empty_/one_ (lengths), num_ (13a's rules around digits),
# ent_ (13a's unescaping), ws_ (whitespace), punct_, uni_ (Unicode), bad_
# (invalid UTF-8), line_ (line breaks and NUL inside a sentence).
PAIRS = [
    ("es_identical", "Me gusta el fútbol.", "Me gusta el fútbol."),
    ("es_close", "Me gusta mucho el fútbol.", "Me gusta el fútbol."),
    ("es_question", "¿Dónde está el baño?", "¿Dónde está el servicio?"),
    ("es_exclaim", "¡Qué día tan bonito!", "¡Qué día más bonito!"),
    ("es_reorder", "El perro negro come carne.", "El perro come carne negra."),
    ("es_long", "Tom dijo que no quería ir a la escuela mañana por la mañana.",
     "Tom dijo que mañana por la mañana no quería ir a la escuela."),
    ("es_short_hyp", "Tom se fue.", "Tom se fue a casa temprano porque estaba cansado."),
    ("es_long_hyp", "Creo que Tom y Mary no saben todavía lo que pasó ayer en la fiesta de la oficina.",
     "Creo que Tom no lo sabe."),
    ("es_case", "me gusta el fútbol", "Me gusta el fútbol."),
    ("es_accents", "Donde esta el bano?", "¿Dónde está el baño?"),
    ("es_polite", "¿Podrían ustedes ayudarme, por favor?", "¿Pueden ayudarme, por favor?"),
    ("es_clip", "el el el el el el el", "el gato está en el tapete"),
    ("es_clip_bigram", "no sé no sé no sé", "no sé no sé"),
    ("es_disjoint", "xyz qwv", "abc def"),
    ("empty_hyp", "", "Hola mundo."),
    ("empty_ref", "Hola mundo.", ""),
    ("empty_both", "", ""),
    ("empty_blank_hyp", "   \t ", "Hola."),
    ("one_same", "Hola", "Hola"),
    ("one_diff", "Sí", "No"),
    ("one_case", "gracias", "Gracias"),
    ("one_punct", "Hola.", "Hola"),
    ("one_two_words", "Buenos días", "Buenos días"),
    ("one_three_tokens", "Sí, claro", "Sí, claro"),
    ("num_decimal", "Cuesta 3.5 euros.", "Cuesta 3,5 euros."),
    ("num_thousands", "Hay 1,000 personas y 1.000.000 de hormigas.", "Hay 1.000 personas y 1,000,000 de hormigas."),
    ("num_money", "Pagó $1,000.50 el 2023-05-01.", "Pagó 1000,50 $ el 1/5/2023."),
    ("num_edges", ".5 5. ,5 5, x.y 3.x x.3 a,b 1,a 1.", ".5 5 . x . y 3 . x a , b 1 , a"),
    ("num_dash", "co-operate 3-4 días, 10-year-old, -5 grados, 5- a-3",
     "cooperate 3 - 4 días, 10 - year-old, - 5 grados"),
    ("num_dash_chain", "2-3-4 well-known e-mail 1--2", "2 - 3 - 4 well-known email"),
    ("num_periods", "Esperen... ¿qué?! x.,y a..b 1..2 3.,4 ,.,", "Esperen ... ¿qué ?! x . , y"),
    ("ent_quot", "Dijo &quot;hola&quot; y se fue.", 'Dijo "hola" y se fue.'),
    ("ent_amp_lt_gt", "Tom &amp; Mary &lt;3 &gt;_&lt;", "Tom & Mary <3 >_<"),
    ("ent_double", "&amp;lt;b&amp;gt; &amp;amp; &amp;quot;", "<b> &amp; &quot;"),
    ("ent_others", "&apos;hola&apos; &nbsp; &#39; &AMP; &amp &quot", "'hola' &nbsp; ' & & \""),
    ("ent_skipped", "Hola <skipped> mundo <skip<skipped>ped>", "Hola mundo"),
    ("ws_tabs", "el\tgato  negro   duerme", "el gato negro duerme"),
    ("ws_ends", "  el gato \t", "el gato"),
    ("ws_unicode", "100\u00a0km\u3000y\u2009más\u202fcosas\u205fy\u1680x\u2000z\u200a.",
     "100 km y más cosas y x z."),
    ("ws_controls", "a\x1cb\x1dc\x1ed\x1fe\x85f\u2028g\u2029h\x0bi\x0cj", "a b c d e f g h i j"),
    ("ws_not_space", "a\u200bb a\u180eb a\ufeffb a\x1bb", "ab ab ab ab"),
    ("ws_trailing_nbsp", "Fin-\u00a0", "Fin-"),
    ("punct_ascii", "¡Hola! (paréntesis) [corchetes] {llaves} @usuario #tag 50% a+b=c a/b a\\b a|b ~x ^y _z `w` a*b;c:d",
     "¡Hola! ( paréntesis ) [corchetes] {llaves} @ usuario #tag 50 % a+b=c a/b a|b"),
    ("punct_apostrophe", "It's John's l'homme 'quoted' rock'n'roll", "It is John's l' homme \"quoted\" rock 'n' roll"),
    ("punct_unicode", "«Hola» “comillas” ‘simples’ — guion … elipsis",
     "« Hola » \"comillas\" 'simples' - guion ... elipsis"),
    ("punct_only", "?!.,;", "?!"),
    ("punct_abbrev", "EE.UU. y la U.R.S.S., e.g. etc.", "EE. UU. y la URSS, p. ej. etc."),
    ("uni_cjk", "我喜欢足球。", "我喜欢踢足球。"),
    ("uni_cjk_spaced", "我 喜欢 足球 。", "我喜欢足球。"),
    ("uni_emoji", "Me encanta 🍕 y ❤️ NY 🎉🎉", "Me encanta la 🍕 y ❤ NY 🎉"),
    ("uni_combining", "cafe\u0301 con leche", "caf\u00e9 con leche"),
    ("uni_german", "Über die Straße gehen, Grüße!", "Über die Strasse gehen, Grüße!"),
    ("uni_greek_cyrillic", "Καλημέρα κόσμε, привет мир", "Καλημέρα κόσμε, привет, мир"),
    ("uni_astral", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟘.𝟙 𝟘,𝟙", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 0.1 0,1"),
    ("uni_digits", "٣.٥ y ３.５ y ３-４", "3.5 y 3.5 y 3-4"),
    ("bad_latin1", b(b"caf\xe9 con leche"), b(b"caf\xe9 con leche")),
    ("bad_vs_valid", b(b"caf\xe9 ol\xe9"), "café olé"),
    ("bad_bytes", b(b"\xff\xfe a \x80\xbf b \xff"), b(b"a \xff b \xfe\xff")),
    ("bad_truncated", b(b"x \xe2\x82 y \xe2\x82\xac \xf0\x9f\x8d"), b(b"x \xe2\x82 y \xe2\x82\xac \xf0\x9f\x8d\x95")),
    ("bad_forbidden", b(b"\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xc1\xbf ok."), b(b"\xc0\xaf ok.")),
    ("bad_digits", b(b"1\xff.5 3.\xfe 2\xe9-3"), "1.5 3. 2-3"),
    ("line_hyphen_break", "co-\noperate and\nmore", "cooperate and more"),
    ("line_rstrip_first", "fin-\n", "fin-"),
    ("line_cr", "uno\rdos\r", "uno dos"),
    ("line_nul", "a\x00b c\x00", "a\x00b c"),
]

# Named corpora: lists of pair names ("all" is every pair; "empty" none).
CORPORA = {
    "chapter": [n for n, _, _ in PAIRS if n.startswith("es_") and n != "es_disjoint"],
    "identical": ["es_identical", "one_same", "one_two_words", "one_three_tokens", "bad_latin1"],
    "disjoint": ["es_disjoint", "one_diff"],
    "empty_hyps": ["empty_hyp", "empty_blank_hyp", "empty_both"],
    "empty_refs": ["empty_ref", "empty_both"],
    "short": ["one_same", "one_diff", "one_case", "one_punct", "one_two_words", "one_three_tokens"],
    "smoothing": ["es_exclaim", "es_case", "one_punct"],
    "long_hyps": ["es_long_hyp", "es_close", "num_edges"],
    "short_hyps": ["es_short_hyp", "es_question", "punct_only"],
    "numbers": [n for n, _, _ in PAIRS if n.startswith("num_")],
    "entities": [n for n, _, _ in PAIRS if n.startswith("ent_")],
    "whitespace": [n for n, _, _ in PAIRS if n.startswith("ws_") or n.startswith("line_")],
    "punctuation": [n for n, _, _ in PAIRS if n.startswith("punct_")],
    "unicode": [n for n, _, _ in PAIRS if n.startswith("uni_")],
    "invalid_utf8": [n for n, _, _ in PAIRS if n.startswith("bad_")],
    "chapter_and_empty": ["es_identical", "es_long", "empty_hyp", "empty_ref", "es_polite"],
}

NAMED_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def escape(s):
    """A sentence as a TSV field: bytes, with \\\\ \\t \\n \\r, and \\xHH for
    the bytes of invalid UTF-8, control characters, invisible whitespace and
    combining marks (which would otherwise hide in the character before them)."""
    out = []
    for ch in s:
        if ch in NAMED_ESCAPES:
            out.append(NAMED_ESCAPES[ch])
        elif ("\udc80" <= ch <= "\udcff" or not ch.isprintable() or ch.isspace() and ch != " "
              or unicodedata.category(ch).startswith("M")):
            out.append("".join("\\x%02x" % c for c in ch.encode("utf-8", "surrogateescape")))
        else:
            out.append(ch)
    return "".join(out)


def unescape(field):
    """The inverse of escape(), as tests/test_metrics.c reads the file."""
    raw, i = bytearray(), 0
    data = field.encode("utf-8")
    while i < len(data):
        c = data[i]
        if c != 0x5C:
            raw.append(c)
            i += 1
            continue
        e = chr(data[i + 1])
        if e == "x":
            raw.append(int(data[i + 2:i + 4], 16))
            i += 4
        else:
            raw.append(ord({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}[e]))
            i += 2
    return bytes(raw).decode("utf-8", "surrogateescape")


def bleu_dict(score):
    return {
        "score": score.score,
        "precisions": list(score.precisions),
        "bp": score.bp,
        "ratio": score.ratio,
        "sys_len": score.sys_len,
        "ref_len": score.ref_len,
        "counts": [int(c) for c in score.counts],
        "totals": [int(t) for t in score.totals],
        "text": score.format(),
    }


def chrf_dict(metric, score, hyps, refs):
    # the statistics sacreBLEU sums over the corpus: per order, hypothesis,
    # reference and matched n-grams (a private method, but the numbers the score is made of)
    if hyps:
        stats = metric._extract_corpus_statistics(hyps, [refs])
        total = [sum(s[k] for s in stats) for k in range(len(stats[0]))]
    else:
        total = [0] * (3 * CHRF.CHAR_ORDER)
    return {"score": score.score, "text": score.format(), "stats": [int(x) for x in total]}


def score_corpus(hyps, refs):
    bleu, chrf = BLEU(), CHRF()
    if hyps:
        bs = bleu.corpus_score(hyps, [refs])
        cs = chrf.corpus_score(hyps, [refs])
    else:   # corpus_score refuses an empty corpus: the scores of zero statistics
        bs = bleu._compute_score_from_stats([0] * (2 + 2 * bleu.max_ngram_order))
        cs = chrf._compute_score_from_stats([0] * (3 * chrf.order))
    return bleu_dict(bs), chrf_dict(chrf, cs, hyps, refs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                                      "fixtures"))
    args = ap.parse_args()
    logging.getLogger("sacrebleu").setLevel(logging.ERROR)   # sentence_score's effective_order advice

    names = [n for n, _, _ in PAIRS]
    assert len(set(names)) == len(names), "pair names must be unique"
    by_name = {n: (h, r) for n, h, r in PAIRS}
    tsv_lines = ["name\thypothesis\treference"]
    for n, h, r in PAIRS:
        assert unescape(escape(h)) == h and unescape(escape(r)) == r, n
        tsv_lines.append("%s\t%s\t%s" % (n, escape(h), escape(r)))

    corpora = []
    for cname, members in [("all", names)] + list(CORPORA.items()) + [("empty", [])]:
        hyps = [by_name[m][0] for m in members]
        refs = [by_name[m][1] for m in members]
        bd, cd = score_corpus(hyps, refs)
        corpora.append({"name": cname, "pairs": members, "bleu": bd, "chrf": cd})

    sentences = []
    for n, h, r in PAIRS:
        bleu, chrf = BLEU(), CHRF()
        bs, cs = bleu.sentence_score(h, [r]), chrf.sentence_score(h, [r])
        bd, cd = score_corpus([h], [r])
        assert bd["score"] == bs.score and cd["score"] == cs.score, n
        sentences.append({"pair": n, "bleu": bd, "chrf": cd})

    # the fixture must exercise what it is for
    scores = {c["name"]: c for c in corpora}
    assert abs(scores["identical"]["bleu"]["score"] - 100) < 1e-9 and scores["identical"]["chrf"]["score"] == 100
    assert scores["disjoint"]["bleu"]["score"] == 0 and scores["disjoint"]["chrf"]["score"] == 0
    smoothed = [s for s in sentences + corpora
                if s["bleu"]["score"] > 0 and 0 in s["bleu"]["counts"]]
    assert smoothed, "no score with exp smoothing"
    assert scores["empty_hyps"]["bleu"]["bp"] == 0 and 0 < scores["short_hyps"]["bleu"]["bp"] < 1
    assert scores["long_hyps"]["bleu"]["ratio"] > 1

    bleu, chrf = BLEU(), CHRF()
    bleu.corpus_score(["a"], [["a"]])
    chrf.corpus_score(["a"], [["a"]])
    doc = {
        "generator": "tools/make_metrics_fixture.py",
        "sacrebleu_version": sacrebleu.__version__,
        "python_version": platform.python_version(),
        "bleu_signature": str(bleu.get_signature()),
        "chrf_signature": str(chrf.get_signature()),
        "pairs_file": "metrics_pairs.tsv",
        "n_pairs": len(PAIRS),
        "corpora": corpora,
        "sentences": sentences,
    }
    os.makedirs(args.out_dir, exist_ok=True)
    tsv = os.path.join(args.out_dir, "metrics_pairs.tsv")
    with open(tsv, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(tsv_lines) + "\n")
    out = os.path.join(args.out_dir, "metrics_sacrebleu.json")
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")

    # read both back: the pairs as the C test reads them, the JSON as written
    with open(tsv, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    assert [(n, unescape(h), unescape(r)) for n, h, r in rows] == PAIRS
    with open(out, encoding="utf-8") as f:
        assert json.load(f) == doc
    print("sacreBLEU %s: %d pairs, %d corpora -> %s, %s" % (sacrebleu.__version__, len(PAIRS), len(corpora),
                                                              tsv, out), file=sys.stderr)
    for c in corpora:
        print("  %-18s %s | %s" % (c["name"], c["bleu"]["text"], c["chrf"]["text"]), file=sys.stderr)


if __name__ == "__main__":
    main()
