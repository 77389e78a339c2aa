"""safetensors files with numpy + json only, for the fixture scripts in tools/,
and nmt's tensor names (the order of src/models/model.c's parameter table).

Layout: 8-byte little-endian header length, a JSON header padded with spaces to
a multiple of 8 ("__metadata__" holds str -> str), then the tensors' bytes.
"""
import json

import numpy as np

PARAM_NAMES = [
    "encoder.embedding",
    "decoder.embedding",
    "encoder.lstm.kernel",
    "encoder.lstm.recurrent_kernel",
    "encoder.lstm.bias",
    "decoder.lstm.kernel",
    "decoder.lstm.recurrent_kernel",
    "decoder.lstm.bias",
    "output.kernel",
    "output.bias",
]

_DTYPES = {np.dtype("float32"): ("F32", "<f4"),
           np.dtype("float64"): ("F64", "<f8"),
           np.dtype("int32"): ("I32", "<i4")}


def write_safetensors(path, tensors, metadata):
    """tensors: dict name -> ndarray (float32/float64/int32);
    metadata: dict str -> str.  Data are laid out by dtype size (8-byte types
    first) and then name, so every tensor is aligned to its element size."""
    for k, v in metadata.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError(f"metadata must be str -> str ({k!r})")
    order = sorted(tensors, key=lambda n: (-tensors[n].dtype.itemsize, n))
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name in order:
        arr = np.asarray(tensors[name])
        tag, le = _DTYPES[arr.dtype]
        raw = np.ascontiguousarray(arr.astype(le, copy=False)).tobytes()
        header[name] = {"dtype": tag, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    hdr = json.dumps(header, ensure_ascii=False,
                     separators=(",", ":")).encode("utf-8")
    hdr += b" " * (-len(hdr) % 8)
    with open(path, "wb") as f:
        f.write(len(hdr).to_bytes(8, "little"))
        f.write(hdr)
        for raw in blobs:
            f.write(raw)
    return 8 + len(hdr) + offset


def read_safetensors(path):
    with open(path, "rb") as f:
        buf = f.read()
    n = int.from_bytes(buf[:8], "little")
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    back = {"F32": "<f4", "F64": "<f8", "I32": "<i4"}
    base = 8 + n
    out = {}
    end_max = 0
    for name, info in header.items():
        a, b = info["data_offsets"]
        end_max = max(end_max, b)
        out[name] = np.frombuffer(buf[base + a:base + b],
                                  dtype=back[info["dtype"]]
                                  ).reshape(info["shape"])
    assert base + end_max == len(buf), "trailing bytes / holes"
    return out, meta
