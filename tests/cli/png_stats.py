#!/usr/bin/env python3
"""Prints "WIDTH HEIGHT NONWHITE DISTINCT" for an 8-bit PNG (grey, RGB, grey+alpha
or RGBA; not interlaced): NONWHITE is the fraction of pixels that are not white
(alpha composited on white), DISTINCT the number of distinct colours. Python's
standard library only (zlib): the picture tests need no imaging package."""
import struct
import sys
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def main(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(ctype)
    if depth != 8 or channels is None or interlace:
        sys.exit(f"{path}: unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})")
    raw, stride = zlib.decompress(idat), w * channels
    prev, rows, i = bytearray(stride), [], 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = prev[x], prev[x - channels] if x >= channels else 0
            line[x] = (line[x] + (0, a, b, (a + b) // 2, paeth(a, b, c))[f]) & 255
        rows.append(line)
        prev = line
    colours, nonwhite = set(), 0
    for line in rows:
        for x in range(0, stride, channels):
            px = line[x:x + channels]
            rgb = [px[0]] * 3 if channels <= 2 else list(px[:3])
            alpha = px[-1] if channels in (2, 4) else 255
            rgb = tuple((v * alpha + 255 * (255 - alpha)) // 255 for v in rgb)
            colours.add(rgb)
            nonwhite += rgb != (255, 255, 255)
    print(w, h, f"{nonwhite / (w * h):.4f}", len(colours))


main(sys.argv[1])
