#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets (lib/test/fuzz/corpus/*,
verify/test/fuzz/corpus/glob).

Regenerate from the repository root with Debian's Python and NumPy:

    /usr/bin/python3 lib/test/fuzz/make_corpus.py

Seeds are small (< 4 KiB each): the .npy and .safetensors fixtures of
lib/test/data, files NumPy writes for the interesting cases (every dtype,
Fortran order, rank 0, empty, versions 2.0 and 3.0) and hand-made broken
ones (huge declared shapes, overlapping or out-of-file offsets, non-UTF-8
names, deep nesting, NUL bytes, duplicate keys), scheme strings in every
syntax the parser takes, shapes and glob/name pairs. The fuzzer finds the
rest; the regressions/ directories hold the inputs that once broke an
invariant and are never regenerated.
"""

import io
import json
import os
import shutil
import struct

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
LIB_CORPUS = os.path.join(ROOT, "lib", "test", "fuzz", "corpus")
GLOB_CORPUS = os.path.join(ROOT, "verify", "test", "fuzz", "corpus", "glob")
DATA = os.path.join(ROOT, "lib", "test", "data")


def reset(d):
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)


def put(d, name, data, limit=4096):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    assert len(data) <= limit, name
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy_bytes(arr, **kw):
    b = io.BytesIO()
    np.lib.format.write_array(b, arr, **kw)
    return b.getvalue()


def npy_raw(header, data=b"", major=1):
    """A .npy with the given header dict text (padded as NumPy pads it)."""
    h = header.encode("latin-1")
    pre = 10 if major == 1 else 12
    total = pre + len(h) + 1
    h += b" " * ((64 - total % 64) % 64) + b"\n"
    length = struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([major, 0]) + length + h + data


def st_bytes(header, data=b"", pad=True):
    h = header if isinstance(header, bytes) else json.dumps(
        header, separators=(",", ":")).encode()
    if pad:
        h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


def npy_corpus():
    d = os.path.join(LIB_CORPUS, "npy")
    reset(d)
    for f in sorted(os.listdir(DATA)):
        if f.endswith(".npy"):
            shutil.copy(os.path.join(DATA, f), os.path.join(d, "fixture_" + f))
    rng = np.random.default_rng(1)
    a = rng.normal(size=(3, 4)).astype("<f4")
    put(d, "f4_3x4.npy", npy_bytes(a))
    put(d, "f2_fortran_2x3x2.npy", npy_bytes(np.asfortranarray(
        rng.normal(size=(2, 3, 2)).astype("<f2"))))
    put(d, "f8_fortran_1x5x1.npy", npy_bytes(np.asfortranarray(
        rng.normal(size=(1, 5, 1)))))
    put(d, "f4_rank0.npy", npy_bytes(np.float32(1.5).reshape(())))
    put(d, "f4_zero_size.npy", npy_bytes(np.zeros((0, 7), "<f4")))
    put(d, "f4_v2.npy", npy_bytes(a, version=(2, 0)))
    put(d, "f4_v3.npy", npy_bytes(a, version=(3, 0)))
    put(d, "f4_nan_inf.npy", npy_bytes(np.array([np.nan, np.inf, -np.inf, 0.0], "<f4")))
    # Declared huge, data tiny.
    put(d, "huge_2pow40.npy", npy_raw(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }",
        b"\0" * 16))
    put(d, "overflow_shape.npy", npy_raw(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }"))
    put(d, "too_big_dim.npy", npy_raw(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }"))
    put(d, "negative_dim.npy", npy_raw(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"))
    put(d, "big_endian.npy", npy_raw(
        "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", b"\0" * 8))
    put(d, "int32.npy", npy_bytes(np.arange(4, dtype="<i4")))
    put(d, "structured.npy", npy_raw(
        "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", b"\0" * 4))
    put(d, "nested.npy", npy_raw(
        "{'descr': '<f4', 'fortran_order': False, 'shape': " + "(" * 40 + "1" +
        ")" * 40 + ", }", b"\0" * 4))
    put(d, "many_ones_fortran.npy", npy_raw(
        "{'descr': '<f2', 'fortran_order': True, 'shape': (8, " + "1, " * 200 +
        "), }", b"\0" * 16))
    put(d, "strings_escapes.npy", npy_raw(
        "{\"descr\": '<\\x66\\u00344', 'fortran_order': False, 'shape': (1,), }",
        b"\0" * 4, major=3))
    put(d, "truncated.npy", npy_bytes(a)[:100])
    put(d, "trailing.npy", npy_bytes(a) + b"\0\0\0\0")
    put(d, "bad_magic.npy", b"\x93NUMPX\x01\x00" + npy_bytes(a)[8:])
    put(d, "bad_version.npy", b"\x93NUMPY\x04\x00" + npy_bytes(a)[8:])
    put(d, "empty", b"")


def st_corpus():
    d = os.path.join(LIB_CORPUS, "safetensors")
    reset(d)
    shutil.copy(os.path.join(DATA, "model.safetensors"),
                os.path.join(d, "fixture_model.safetensors"))
    f4 = np.arange(6, dtype="<f4").tobytes()
    e = lambda dt, shape, b, en: {"dtype": dt, "shape": shape, "data_offsets": [b, en]}
    put(d, "one_f32.safetensors", st_bytes({"w": e("F32", [2, 3], 0, 24)}, f4))
    put(d, "metadata.safetensors", st_bytes(
        {"__metadata__": {"format": "pt", "k": "v"}, "w": e("F32", [6], 0, 24)}, f4))
    put(d, "all_dtypes.safetensors", st_bytes({
        "a": e("F64", [1], 0, 8), "b": e("F16", [2], 8, 12), "c": e("BF16", [2], 12, 16),
        "d": e("I64", [1], 16, 24), "e": e("U8", [2], 24, 26), "f": e("BOOL", [2], 26, 28),
        "g": e("F4", [4], 28, 30), "h": e("F6_E2M3", [4], 30, 33),
        "i": e("F8_E4M3", [1], 33, 34)}, bytes(range(34))))
    put(d, "zero_size.safetensors", st_bytes(
        {"z": e("F32", [0, 5], 0, 0), "w": e("F32", [1], 0, 4), "y": e("F16", [3, 0], 4, 4)},
        b"\0" * 4))
    put(d, "empty_header.safetensors", st_bytes({}))
    put(d, "huge_2pow40.safetensors", st_bytes(
        {"w": e("F32", [1048576, 1048576], 0, 4398046511104)}, b"\0" * 16))
    put(d, "huge_consistent_offsets.safetensors", st_bytes(
        {"w": e("F32", [1 << 62, 4], 0, 18446744073709551615)}))
    put(d, "overflow_shape.safetensors", st_bytes(
        {"w": e("F64", [4294967296, 4294967296, 4294967296], 0, 8)}, b"\0" * 8))
    put(d, "overlap.safetensors", st_bytes(
        {"a": e("F32", [2], 0, 8), "b": e("F32", [2], 4, 12)}, b"\0" * 12))
    put(d, "hole.safetensors", st_bytes(
        {"a": e("F32", [1], 0, 4), "b": e("F32", [1], 8, 12)}, b"\0" * 12))
    put(d, "out_of_file.safetensors", st_bytes({"a": e("F32", [4], 0, 16)}, b"\0" * 8))
    put(d, "end_before_begin.safetensors", st_bytes({"a": e("F32", [0], 8, 4)}, b"\0" * 8))
    put(d, "negative.safetensors", st_bytes({"a": e("F32", [-1], 0, 4)}, b"\0" * 4))
    put(d, "float_dims.safetensors", st_bytes(
        b'{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}', b"\0" * 4))
    put(d, "non_utf8_name.safetensors", st_bytes(
        b'{"w\xff\xfe":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', b"\0" * 4))
    put(d, "escaped_names.safetensors", st_bytes(
        b'{"a\\u0000b\\n\\u00e9\\ud83d\\ude00":{"dtype":"F32","shape":[1],'
        b'"data_offsets":[0,4]}}', b"\0" * 4))
    put(d, "lone_surrogate.safetensors", st_bytes(
        b'{"\\ud800":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', b"\0" * 4))
    put(d, "deep_nesting.safetensors", st_bytes(
        b'{"__metadata__":' + b"[" * 70 + b"]" * 70 + b"}"))
    put(d, "nesting_63.safetensors", st_bytes(
        b'{"__metadata__":{"a":"b"},"x":' + b"[" * 62 + b"]" * 62 + b"}"))
    put(d, "duplicate_names.safetensors", st_bytes(
        b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
        b'"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', b"\0" * 8))
    put(d, "nul_in_header.safetensors", st_bytes(
        b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}\0   ', b"\0" * 4, pad=False))
    put(d, "extra_key.safetensors", st_bytes(
        {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}}, b"\0" * 4))
    put(d, "unknown_dtype.safetensors", st_bytes({"a": e("F128", [1], 0, 16)}, b"\0" * 16))
    put(d, "metadata_not_str.safetensors", st_bytes({"__metadata__": {"a": 1}}))
    put(d, "header_len_huge", struct.pack("<Q", 1 << 63) + b"{}")
    put(d, "header_len_past_end", struct.pack("<Q", 100) + b"{}")
    put(d, "short", b"\x02\0\0")
    put(d, "not_json.safetensors", st_bytes(b"{nope}"))


def text_corpus():
    d = os.path.join(LIB_CORPUS, "scheme")
    reset(d)
    schemes = [
        "kaiming_uniform(a=sqrt(5))",
        "kaiming_normal(mode=fan_out, nonlinearity=relu)",
        "kaiming_uniform(sqrt(5), 'fan_out', 'leaky_relu')",
        "torch.nn.init.xavier_uniform_(gain=1/sqrt(3))",
        "nn.init.trunc_normal_(std=0.02, a=-0.04, b=0.04)",
        "HeNormal", "keras.initializers.GlorotUniform", "jax.nn.initializers.kaiming_normal",
        "variance_scaling(scale=2.0, mode=fan_avg, distribution=uniform)",
        "variance_scaling(1, 'fan_geo_avg', 'untruncated_normal')",
        "normal(mean=-1e-3, std=1e-38)", "constant(3.4e38)", "constant(val=-0.0)",
        "uniform(65000, 65519)", "uniform(a=-(1+2)*3/4, b=pi)",
        "sparse(sparsity=0.9, std=0.01)", "orthogonal(gain=math.sqrt(2))",
        "dirac(groups=2)", "eye", "identity(gain=2)", "delta_orthogonal(scale=1.5)",
        "random_uniform(minval=-0.05, maxval=0.05)", "truncated_normal(stddev=5e-324)",
        "lecun_normal", "zeros", "ones()", "kaiming_normal(a=0.01, mode=fan_in)",
        "normal(std=" + "(" * 30 + "1" + ")" * 30 + ")",
        "normal(std=--+-1)", "uniform(a=1e308*10)", "kaiming_uniform(a=1, a=2)",
        "normal(seed=3)", "kaimin_uniform", "normal(std=1", "normal('std)",
        "normal(std=\n2)", "",
    ]
    for i, s in enumerate(schemes):
        put(d, "scheme_%02d" % i, s)
    d = os.path.join(LIB_CORPUS, "shape")
    reset(d)
    shapes = ["64,32,3,3", "64x32x3x3", "[768, 768]", "(3,)", " 1 , 1 ", "1,1,1,1,1,1,1,1",
              "1,1,1,1,1,1,1,1,1", "4611686018427387904", "4611686018427387905",
              "2147483648,2147483648", "9223372036854775807", "99999999999999999999",
              "0", "-1", "5,", ",5", "5,,5", "5 x 5", "5\n,5", "[[5]]", "", "+5", "5.0"]
    for i, s in enumerate(shapes):
        put(d, "shape_%02d" % i, s)
    reset(GLOB_CORPUS)
    globs = [("*.weight", "encoder.layer.0.weight"), ("*.bias", "fc.weight"),
             ("layer?.w", "layer1.w"), ("[a-c]*", "b.x"), ("[!a-c]*", "b.x"),
             ("[^.]*", ".hidden"), ("[]-]x", "-x"), ("\\*lit", "*lit"), ("a\\", "a"),
             ("[abc", "a"), ("*a*a*a*a*a*b", "a" * 60), ("**", ""), ("[a-]", "-"),
             ("[\\]]", "]"), ("[z-a]", "m"), ("\xc3\xa9*", "\xc3\xa9t\xc3\xa9"),
             ("[\x80-\xff]", "\xe9"), ("*.weight=kaiming_uniform(a=sqrt(5))", ""),
             ("enc[=]oder=normal", ""), ("a\\=b=zeros", ""), ("=normal", ""),
             ("x=", ""), ("[]=]=normal", "")]
    for i, (p, n) in enumerate(globs):
        put(GLOB_CORPUS, "glob_%02d" % i,
            p.encode("latin-1") + b"\0" + n.encode("latin-1"))


def index_corpus():
    d = os.path.join(LIB_CORPUS, "safetensors_index")
    reset(d)
    shutil.copy(os.path.join(ROOT, "verify", "test", "data", "torch", "sharded",
                             "model.safetensors.index.json"), os.path.join(d, "hf_bert.json"))
    good = {"metadata": {"total_size": 12}, "weight_map": {
        "a.weight": "model-00001-of-00002.safetensors",
        "b.weight": "model-00002-of-00002.safetensors"}}
    put(d, "good.json", json.dumps(good, indent=2))
    put(d, "no_metadata.json", json.dumps({"weight_map": {"x": "m.safetensors"}}))
    put(d, "empty_map.json", json.dumps({"weight_map": {}}))
    put(d, "no_map.json", json.dumps({"metadata": {}}))
    put(d, "map_not_object.json", json.dumps({"weight_map": ["a"]}))
    put(d, "shard_not_string.json", json.dumps({"weight_map": {"a": 1}}))
    put(d, "shard_with_dir.json", json.dumps({"weight_map": {"a": "../m.safetensors"}}))
    put(d, "shard_dotdot.json", json.dumps({"weight_map": {"a": ".."}}))
    put(d, "shard_not_st.json", json.dumps({"weight_map": {"a": "m.bin"}}))
    put(d, "metadata_list.json", json.dumps({"metadata": [], "weight_map": {"a": "m.safetensors"}}))
    put(d, "duplicate.json", b'{"weight_map": {"a": "m.safetensors", "a": "n.safetensors"}}')
    put(d, "nul.json", b'{"weight_map": {"a\0": "m.safetensors"}}\0')
    put(d, "deep.json", b'{"metadata":' + b"[" * 80 + b"]" * 80 + b', "weight_map": {"a": "m.safetensors"}}')
    put(d, "not_json.json", b"{weight_map")
    put(d, "array.json", b"[]")
    put(d, "empty", b"")


def npz_corpus():
    import zipfile
    d = os.path.join(LIB_CORPUS, "npz")
    reset(d)

    def npz(arrays, compressed=False):
        b = io.BytesIO()
        (np.savez_compressed if compressed else np.savez)(b, **arrays)
        return b.getvalue()

    w = np.arange(12, dtype="<f4").reshape(3, 4)
    put(d, "stored.npz", npz({"w": w, "b": np.zeros(3, "<f2")}))
    put(d, "deflated.npz", npz({"w": w, "steps": np.array(0, "<i8"),
                                "mask": np.array([True, False])}, compressed=True))
    put(d, "fortran.npz", npz({"f": np.asfortranarray(w.astype("<f8"))}))
    put(d, "ints.npz", npz({"i1": np.arange(3, dtype="<i1"), "u2": np.arange(3, dtype="<u2"),
                            "i4": np.arange(3, dtype="<i4"), "u8": np.arange(3, dtype="<u8")}))
    put(d, "empty_archive.npz", npz({}))
    put(d, "big_shape.npz", npz({"big": np.zeros((100, 100), "<f4")}, compressed=True))
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("x.txt", "no")
    put(d, "not_npy_member.npz", b.getvalue())
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("w.npy", npy_bytes(w)[:-8])
    put(d, "truncated_member.npz", b.getvalue())
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("w.npy", npy_bytes(w) + b"\0" * 8)
    put(d, "trailing_member.npz", b.getvalue())
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("o.npy", npy_bytes(np.array(["a"], dtype=object), allow_pickle=True))
    put(d, "object_member.npz", b.getvalue())
    good = npz({"w": w})
    put(d, "truncated_archive.npz", good[: len(good) // 2])
    put(d, "not_zip", b"PK\x03\x04 not really")
    put(d, "empty", b"")


def rules_corpus():
    d = os.path.join(ROOT, "verify", "test", "fuzz", "corpus", "rules")
    reset(d)
    for name in ("pytorch", "hf", "keras", "flax"):
        text = open(os.path.join(ROOT, "verify", "presets", name + ".toml")).read()
        # The presets are the realistic rule files (up to 16 KiB: the rules
        # target's -max_len).
        put(d, name + ".toml", text.replace("{init_range}", "0.02"), limit=16384)
    put(d, "fans_from.toml", '[[rule]]\nglob = "*.bias"\nscheme = "kaiming_uniform(a=sqrt(5))"\n'
        'fans_from = "{prefix}.weight"\n')
    put(d, "choose.toml", '[[rule]]\nglob = "emb.*"\nchoose = "Embedding"\n\n'
        '[[rule]]\nglob = "*"\nwhen = "rank == 2"\n[[rule.candidate]]\nmodule = "Linear"\n'
        'scheme = "kaiming_uniform"\n[[rule.candidate]]\nmodule = "Embedding"\n'
        'scheme = "normal"\npadding_idx = "auto"\n')
    put(d, "skip.toml", '[[rule]]\nglob = ["mask", "*.num_batches_tracked"]\nskip = true\n'
        'reason = "a buffer"\n')
    put(d, "fans.toml", "[[rule]]\nglob = \"lstm.*\"\nscheme = \"kaiming_uniform(a=sqrt(5))\"\n"
        "fan_in = 'shape(\"{prefix}.weight_hh_l0\")[1]'\n\n[[rule]]\nglob = \"*\"\n"
        "scheme = \"xavier_uniform\"\nfan_in = 3\nfan_out = 'numel / 4'\n")
    put(d, "segments.toml", '[[rule]]\nglob = "*bias"\nsegments = [{scheme = "zeros", length = '
        '"shape[0] / 4"}, {scheme = "ones", length = "shape[0] / 4"}, {scheme = "zeros", '
        'length = "shape[0] / 2"}]\n')
    put(d, "padding.toml", '[[rule]]\nglob = "emb.weight"\nscheme = "normal"\npadding_idx = 3\n')
    put(d, "bad_key.toml", '[[rule]]\nglob = "*"\nshceme = "zeros"\n')
    put(d, "bad_when.toml", "[[rule]]\nglob = \"*\"\nwhen = 'exists(\"{prefix}.x\") &&'\n"
        "scheme = \"zeros\"\n")
    put(d, "not_toml.toml", "[[rule]\n")
    put(d, "top_level.toml", 'preset = "pytorch"\n')
    put(d, "empty", "")


def expr_corpus():
    d = os.path.join(ROOT, "verify", "test", "fuzz", "corpus", "expr")
    reset(d)
    exprs = ["rank == 2", "shape[0] / 4", "shape[-1]", "numel", "shape", "exists(\"{prefix}.bias\")",
             "exists('{prefix}.bias') && numel('{prefix}.bias') == shape[0]",
             "shape(\"{prefix}.weight_hh_l0\")[1]", "!(rank >= 4) || false",
             "not rank == 1 and true or false", "shape == shape('{name}')",
             "9223372036854775807 + 1", "-9223372036854775807 - 2", "130 / 4", "5 % 0",
             "shape[5]", "shape('{parent}.x')[0]", "((((1))))", "1 +", "rank = 2", "{prefix}",
             "a{{b}}c", "{unknown}", "exists(\"{prefix\")", ""]
    for i, e in enumerate(exprs):
        put(d, "expr_%02d" % i, e.encode() + (b"\0linear.bias" if i % 3 == 0 else b""))


CORPORA = {"npy": npy_corpus, "safetensors": st_corpus, "text": text_corpus,
           "safetensors_index": index_corpus, "npz": npz_corpus, "rules": rules_corpus,
           "expr": expr_corpus}

if __name__ == "__main__":
    import sys
    # With names, only those corpora (e.g. make_corpus.py npz rules).
    for name in sys.argv[1:] or list(CORPORA):
        CORPORA[name]()
