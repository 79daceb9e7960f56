#!/usr/bin/python3
"""Writes the small bad (and a few good) tensor files of the CLI robustness
tests (lib/test/cli/CMakeLists.txt, the cli.bad_input.* rows).

Regenerate from the repository root with Debian's Python and NumPy:

    /usr/bin/python3 lib/test/cli/data/make_fixtures.py

Files that need the file system at test time (a directory named x.npy, a
FIFO, a file with mode 000) are made by bad_input.cmake instead.
"""

import io
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def put(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def npy_bytes(arr):
    b = io.BytesIO()
    np.lib.format.write_array(b, arr)
    return b.getvalue()


def npy_raw(header, data=b""):
    h = header.encode("latin-1")
    total = 10 + len(h) + 1
    h += b" " * ((64 - total % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + data


def st_bytes(header, data=b""):
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


rng = np.random.default_rng(20261129)
w = rng.normal(size=(64, 32)).astype("<f4")

# NaN at [3, 4] and +Inf at [10, 1] in an otherwise N(0, 1) tensor.
bad = w.copy()
bad[3, 4] = np.nan
bad[10, 1] = np.inf
put("nan_inf.npy", npy_bytes(bad))
put("nan_inf.safetensors", st_bytes(
    {"layer.weight": entry("F32", [64, 32], 0, bad.nbytes)}, bad.tobytes()))

# The 3x5 identity stored column-major: read as C order without the
# conversion it is not an identity, so `check eye` passes only if the reader
# transposes correctly.
put("eye_3x5_fortran.npy", npy_bytes(np.asfortranarray(np.eye(3, 5, dtype="<f4"))))

good = npy_bytes(w)
put("truncated_header.npy", good[:100])
put("truncated_data.npy", good[:len(good) - 100])
put("not_npy.npy", b"this is a text file, not a NumPy array\n")
put("not_safetensors.safetensors", b"this is a text file, not a safetensors file\n")
put("empty.npy", b"")
st = st_bytes({"layer.weight": entry("F32", [64, 32], 0, w.nbytes)}, w.tobytes())
put("truncated.safetensors", st[:len(st) - 100])

# Headers declaring 2^40 f32 elements (4 TiB) in files of a few hundred bytes.
put("declares_2pow40.npy", npy_raw(
    "{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }",
    b"\0" * 16))
put("declares_2pow40.safetensors", st_bytes(
    {"w": entry("F32", [1048576, 1048576], 0, 4 * (1 << 40))}, b"\0" * 16))

# Only a zero-size tensor.
put("zero_size.safetensors", st_bytes({"w": entry("F32", [0, 16], 0, 0)}))

# A small checkpoint for `check --rule` (determinism across --threads): the
# tensors follow their rules except bad.weight (std 0.05, not 0.02), so the
# verdict is FAIL (exit 1); `step` is I64 (skipped).
rng = np.random.default_rng(7)
tensors = [
    ("fc.weight", rng.normal(0, 0.02, size=(64, 32)).astype("<f4"), "F32"),
    ("fc.bias", np.zeros(64, "<f4"), "F32"),
    ("conv.weight", rng.uniform(-1 / np.sqrt(72), 1 / np.sqrt(72),
                                size=(16, 8, 3, 3)).astype("<f4"), "F32"),
    ("emb.weight", rng.normal(0, 0.02, size=(100, 16)).astype("<f2"), "F16"),
    ("bad.weight", rng.normal(0, 0.05, size=(32, 32)).astype("<f4"), "F32"),
    ("step", np.array([1000], "<i8"), "I64"),
]
header, data = {}, b""
for name, arr, dt in tensors:
    header[name] = entry(dt, list(arr.shape), len(data), len(data) + arr.nbytes)
    data += arr.tobytes()
put("checkpoint.safetensors", st_bytes(header, data))

# ---- whole models (issue 13): rule files, sharded indexes, .npz archives -----

def put_text(name, text):
    put(name, text.encode())


# Rule files with one mistake each (the messages name file, line and key).
put_text("rules_syntax.toml", '[[rule]\nglob = "*"\nscheme = "zeros"\n')
put_text("rules_unknown_key.toml",
         '[[rule]]\nglob = "*.bias"\nscheme = "zeros"\nfans_form = "{prefix}.weight"\n')
put_text("rules_bad_expression.toml",
         "[[rule]]\nglob = \"*.weight\"\nwhen = 'rank = 2'\nscheme = \"zeros\"\n")
put_text("rules_bad_scheme.toml",
         '[[rule]]\nglob = "*.weight"\nscheme = "kaiming_unifrom"\n')
put_text("rules_assigns_nothing.toml", '[[rule]]\nglob = "*.weight"\n')
put_text("rules_bad_template.toml",
         '[[rule]]\nglob = "*.bias"\nscheme = "kaiming_uniform"\nfans_from = "{prefix.weight"\n')
# A good rule file for the rows that exercise the rest of the check.
put_text("rules_good.toml",
         '[[rule]]\nglob = "*.bias"\nscheme = "zeros"\n\n'
         '[[rule]]\nglob = "fc.weight"\nscheme = "normal(std=0.02)"\n')


def shard(names_shapes, seed):
    r = np.random.default_rng(seed)
    header, data = {}, b""
    for name, shape in names_shapes:
        arr = r.normal(0, 0.02, size=shape).astype("<f4")
        header[name] = entry("F32", list(shape), len(data), len(data) + arr.nbytes)
        data += arr.tobytes()
    return st_bytes(header, data)


os.makedirs(os.path.join(HERE, "sharded"), exist_ok=True)
put("sharded/a.safetensors", shard([("x.weight", (8, 4))], 1))
put("sharded/b.safetensors", shard([("y.weight", (8, 4)), ("z.weight", (4, 4))], 2))


def index(name, weight_map, extra=None):
    j = {"metadata": {"total_size": 0}, "weight_map": weight_map}
    if extra is not None:
        j = extra
    put_text("sharded/" + name, json.dumps(j, indent=2, sort_keys=True))


index("good.safetensors.index.json",
      {"x.weight": "a.safetensors", "y.weight": "b.safetensors", "z.weight": "b.safetensors"})
put_text("sharded/not_json.safetensors.index.json", '{"weight_map": {"x.weight": ')
index("no_weight_map.safetensors.index.json", None, {"metadata": {"total_size": 0}})
index("missing_shard.safetensors.index.json",
      {"x.weight": "a.safetensors", "y.weight": "c.safetensors"})
index("wrong_shard.safetensors.index.json",
      {"x.weight": "b.safetensors", "y.weight": "b.safetensors", "z.weight": "b.safetensors"})
index("not_in_index.safetensors.index.json",
      {"x.weight": "a.safetensors", "y.weight": "b.safetensors"})
index("shard_path.safetensors.index.json",
      {"x.weight": "../checkpoint.safetensors"})


# .npz archives.
def npz_bytes(arrays, compressed=False):
    b = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(b, **arrays)
    return b.getvalue()


import zipfile  # noqa: E402

put("not_zip.npz", b"this is a text file, not a zip archive\n")
put("empty.npz", b"")
b = io.BytesIO()
with zipfile.ZipFile(b, "w") as z:
    z.writestr("readme.txt", "not an array")
put("member_not_npy.npz", b.getvalue())
b = io.BytesIO()
with zipfile.ZipFile(b, "w") as z:
    z.writestr("w.npy", npy_bytes(w)[:-100])  # the member ends 100 bytes early
put("truncated_member.npz", b.getvalue())
put("small.npz", npz_bytes({"fc.weight": w, "fc.bias": np.zeros(64, "<f4"),
                            "steps": np.array(0, "<i8")}, compressed=True))
