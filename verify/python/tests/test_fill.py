"""initcheck.fill: bit-identical to `initcheck fill` (same scheme, shape,
layout, dtype, seed and stream) for every dtype, for any thread count; the
array owns lib's buffer (no copy); and what it draws passes the check.

False alarms: the accepting checks run at family-wise alpha 1e-6 on fixed
seeds (deterministic in CI)."""
import gc

import numpy as np
import pytest

import initcheck
from conftest import run_cli

CASES = [
    ("kaiming_uniform(a=sqrt(5))", "64,32,3,3", "torch", "f32", 7, 0),
    ("trunc_normal(std=0.02, a=-0.04, b=0.04)", "96,80", "torch", "f64", 1, 3),
    ("he_normal", "3,3,32,64", "keras", "bf16", 9, 1),
    ("xavier_uniform", "128,48", "torch", "f16", 2**63 + 5, 2**40),
    ("orthogonal(gain=2)", "64,48", "torch", "f32", 11, 0),
    ("glorot_normal", "5,5,16,8", "jax", "f32", 0, 0),
    ("sparse(sparsity=0.25)", "40,30", "torch", "f32", 3, 2),
]


def load_bits(path):
    a = np.load(path)
    return a.view(np.uint16) if a.dtype.kind == "V" else a  # bf16 as '<V2'


@pytest.mark.parametrize("scheme,shape,layout,dtype,seed,stream", CASES)
def test_bit_identical_to_the_tool(cli, tmp_path, scheme, shape, layout, dtype, seed, stream):
    out = tmp_path / "w.npy"
    rc, _, err = run_cli(cli, "fill", scheme, "--shape", shape, "--layout", layout, "--dtype",
                         dtype, "--seed", seed, "--stream", stream, "-o", out, "-q")
    assert rc == 0, err
    want = load_bits(out)
    got = initcheck.fill(scheme, shape, layout=layout, dtype=dtype, seed=seed, stream=stream)
    assert got.shape == want.shape and got.flags.c_contiguous
    assert got.tobytes() == want.tobytes()
    as_tuple = initcheck.fill(scheme, tuple(int(d) for d in shape.split(",")), layout=layout,
                              dtype=dtype, seed=seed, stream=stream, threads=1)
    assert as_tuple.tobytes() == want.tobytes()
    raw = "bf16" if dtype == "bf16" else None
    assert initcheck.check(got, scheme, layout=layout, dtype=raw)


def test_threads_never_change_the_output():
    ref = initcheck.fill("normal", (1000, 1001), seed=5, threads=1)
    for t in (2, 3, 0):
        assert initcheck.fill("normal", (1000, 1001), seed=5, threads=t).tobytes() == \
            ref.tobytes()


def test_dtypes_and_ownership():
    for name, np_dtype in (("f32", np.float32), ("float64", np.float64), ("f16", np.float16),
                           ("bf16", np.uint16)):
        a = initcheck.fill("uniform", (3, 4), dtype=name, seed=1)
        assert a.dtype == np_dtype and a.shape == (3, 4)
    a = initcheck.fill("normal", (256, 256), seed=2)
    assert not a.flags.owndata and a.base is not None  # lib's buffer, kept by a capsule
    assert a.ctypes.data % 64 == 0  # lib's 64-byte-aligned Tensor, not a NumPy copy
    copy = a.copy()
    del a
    gc.collect()
    b = initcheck.fill("normal", (256, 256), seed=2)
    assert b.tobytes() == copy.tobytes()


def test_fill_with_explicit_fans_and_layer_fans():
    a = initcheck.fill("kaiming_normal", (16,), fan_in=64, fan_out=16, seed=3)
    assert a.shape == (16,)
    d = initcheck.fill("kaiming_uniform", (8, 1, 3, 3), fans="layer", groups=8, seed=3)
    assert np.abs(d).max() <= np.sqrt(6 / 9)
