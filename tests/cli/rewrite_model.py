#!/usr/bin/env python3
"""Rewrites an nmt model file with one change, for tests/cli/trust.sh.

usage: rewrite_model.py IN OUT [--doc FROM TO] [--flip-doc TEXT]
                              [--swap NAME1 NAME2] [--weight NAME INDEX VALUE]
                              [--format-version N]

--doc replaces FROM by TO in the model document; --weight sets one float;
--format-version rewrites the version (below 4: without "sha256"); after these,
weights_sha256 and the format-4 "sha256" are recomputed as docs/FORMAT.md
defines them. --swap exchanges two tensors' data_offsets and --flip-doc flips
one bit of TEXT in the header: both leave the checksums as they were.
"""
import hashlib
import json
import re
import struct
import sys


def main(argv):
    src, dst, args = argv[0], argv[1], argv[2:]
    b = open(src, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    data = bytearray(b[8 + n:])
    meta = header["__metadata__"]
    fix, flip = True, None
    while args:
        a = args.pop(0)
        if a == "--doc":
            frm, to = args.pop(0), args.pop(0)
            assert frm in meta["nmt"], frm
            meta["nmt"] = meta["nmt"].replace(frm, to, 1)
        elif a == "--weight":
            name, i, v = args.pop(0), int(args.pop(0)), float(args.pop(0))
            begin = header[name]["data_offsets"][0] + 4 * i
            data[begin:begin + 4] = struct.pack("<f", v)
        elif a == "--format-version":
            meta["format_version"] = args.pop(0)
            if int(meta["format_version"]) < 4:
                meta.pop("sha256", None)
        elif a == "--swap":
            x, y = args.pop(0), args.pop(0)
            header[x]["data_offsets"], header[y]["data_offsets"] = header[y]["data_offsets"], header[x]["data_offsets"]
            fix = False
        elif a == "--flip-doc":
            flip = args.pop(0)
            fix = False
        else:
            sys.exit("unknown option " + a)
    if fix:
        meta["nmt"] = re.sub(r'"weights_sha256":"[0-9a-f]{64}"',
                             '"weights_sha256":"%s"' % hashlib.sha256(data).hexdigest(), meta["nmt"])
        if "sha256" in meta:
            h = hashlib.sha256()
            for k in ("format", "format_version", "nmt_version", "nmt"):
                v = meta[k].encode()
                h.update(struct.pack("<Q", len(v)) + v)
            h.update(data)
            meta["sha256"] = h.hexdigest()
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    if flip is not None:
        # the document is a JSON string inside the header: its quotes are escaped
        pat = json.dumps(flip)[1:-1].encode()
        at = text.index(pat)
        text = text[:at + len(pat) - 3] + bytes([text[at + len(pat) - 3] ^ 1]) + text[at + len(pat) - 2:]
    text += b" " * (-len(text) % 8)
    open(dst, "wb").write(struct.pack("<Q", len(text)) + text + bytes(data))


if __name__ == "__main__":
    main(sys.argv[1:])
