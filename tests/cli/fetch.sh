#!/usr/bin/env bash
# nmt fetch end to end, offline: the corpus archive in $NMT_DATA/spa-eng is
# fetched through a file:// URL (the same libcurl path as https://) into a
# temporary folder, unzipped and verified.
#  - stdout is exactly the path of the verified spa.txt (so path=$(nmt fetch ...)
#    works), whose sha256 is the known one;
#  - a second run does nothing; a damaged copy is repaired;
#  - the default folder follows NMT_DATA_HOME, then XDG_DATA_HOME/nmt, then
#    ~/.local/share/nmt;
#  - a wrong or missing download fails with exit 1 and saves nothing.
source "$(dirname "$0")/lib.sh"
need_corpus
ZIP=$DATA_DIR/spa-eng/spa-eng.zip
if [ ! -f "$ZIP" ]; then
    if [ -n "${NMT_DATA:-}" ] || [ -n "${CI:-}" ]; then
        echo "FAIL $TEST_NAME: $ZIP is missing" >&2
        exit 1
    fi
    skip "no $ZIP"
fi
URL=file://$ZIP
SPA_SHA=6ec60e212f812ee3430f7568ea6f33b6fb080e32193c5952e8da0ee8ba45574c
sha() { sha256sum "$1" | cut -d' ' -f1; }

D=$TMP/data
run 0 nmt fetch spa-eng --url "$URL" --dir "$D"
check "stdout is one line: '$(tr '\n' '|' <"$OUT")'" test "$(wc -l <"$OUT")" -eq 1
path=$(cat "$OUT")
check "the path printed is DIR/spa-eng/spa.txt ($path)" test "$path" = "$D/spa-eng/spa.txt"
check "the fetched spa.txt has sha256 $SPA_SHA" test -f "$path" -a "$(sha "$path")" = "$SPA_SHA"
check "the fetched spa.txt is the one in \$NMT_DATA" cmp -s "$path" "$CORPUS"
check "the archive is kept next to it" test -f "$D/spa-eng/spa-eng.zip"
err_has "checksum ok" "nmt fetch"

# Again: nothing to do, same path.
run 0 nmt fetch spa-eng --url "$URL" --dir "$D"
check "second fetch prints the same path" test "$(cat "$OUT")" = "$path"
err_has "already present" "a second nmt fetch"
# The --flag=value spelling.
run 0 nmt fetch spa-eng --url="$URL" --dir="$D"
check "--url=... --dir=... prints the same path" test "$(cat "$OUT")" = "$path"

# A damaged copy is noticed and replaced by a verified one.
printf 'damage' | dd of="$path" bs=1 seek=1000 conv=notrunc 2>/dev/null
run 0 nmt fetch spa-eng --url "$URL" --dir "$D"
check "a damaged spa.txt is repaired (sha256 $(sha "$path"))" test "$(sha "$path")" = "$SPA_SHA"
err_has "checksum mismatch" "nmt fetch of a damaged copy"

# The default folder.
run 0 nice -n 19 env NMT_DATA_HOME="$TMP/ndh" XDG_DATA_HOME="$TMP/xdg" HOME="$TMP/home" \
    "$NMT_BIN" fetch spa-eng --url "$URL"
check "NMT_DATA_HOME comes first ($(cat "$OUT"))" test "$(cat "$OUT")" = "$TMP/ndh/spa-eng/spa.txt"
run 0 nice -n 19 env -u NMT_DATA_HOME XDG_DATA_HOME="$TMP/xdg" HOME="$TMP/home" "$NMT_BIN" fetch spa-eng --url "$URL"
check "then XDG_DATA_HOME/nmt ($(cat "$OUT"))" test "$(cat "$OUT")" = "$TMP/xdg/nmt/spa-eng/spa.txt"
run 0 nice -n 19 env -u NMT_DATA_HOME -u XDG_DATA_HOME HOME="$TMP/home" "$NMT_BIN" fetch spa-eng --url "$URL"
check "then ~/.local/share/nmt ($(cat "$OUT"))" test "$(cat "$OUT")" = "$TMP/home/.local/share/nmt/spa-eng/spa.txt"
run 0 nice -n 19 env -u NMT_DATA_HOME XDG_DATA_HOME=relative/path HOME="$TMP/home" "$NMT_BIN" fetch spa-eng --url "$URL"
check "a relative XDG_DATA_HOME is ignored ($(cat "$OUT"))" \
    test "$(cat "$OUT")" = "$TMP/home/.local/share/nmt/spa-eng/spa.txt"

# Failures: exit 1, nothing on stdout, nothing saved, no temporary file.
run 1 nmt fetch spa-eng --url "file://$TMP/nosuch.zip" --dir "$TMP/d2"
err_has "$TMP/nosuch.zip" "a missing download"
out_empty "a missing download"
run 1 nmt fetch spa-eng --url "file://$CORPUS" --dir "$TMP/d3"
err_has "checksum mismatch" "a download with the wrong checksum"
out_empty "a download with the wrong checksum"
check "nothing saved after failed downloads" test -z "$(find "$TMP/d2" "$TMP/d3" -type f 2>/dev/null | head -n 1)"
check "no temporary file left" test -z "$(find "$TMP" -name '*.tmp.*' | head -n 1)"
finish
