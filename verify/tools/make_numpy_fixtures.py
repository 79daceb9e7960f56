#!/usr/bin/python3
"""Writes the NumPy-made fixtures of verify/test/data/numpy/.

Tensors made OUTSIDE initcheck, the way a framework author would make them
with NumPy, so that `initcheck check` (and the ctest entries verify_cli_* and
initcheck_verify_cli_tests) are exercised on data lib never produced:

  kaiming_uniform_a_sqrt5_conv.npy     correct: PyTorch's Conv2d default,
      kaiming_uniform(a=sqrt(5)) on [64, 28, 3, 3]: U(-b, b), b = 1/sqrt(252),
      np.random.default_rng(seed).uniform(-b, b) as float32
  he_normal_keras.npy                  correct: Keras HeNormal on a
      [3, 3, 28, 64] kernel: N(0, s^2) redrawn outside +-2 s (rejection),
      s = sqrt(2/252) / 0.87962566103423978 (the truncation correction)
  xavier_normal_linear.npy             correct: xavier_normal on a Linear
      [126, 128] weight: N(0, 2/(128 + 126))
  xavier_uniform_linear_f16.npy        correct: xavier_uniform on [126, 128]
      in float16: U(-b, b), b = sqrt(6/254), rounded to float16
  he_normal_keras_no_correction.npy    MUTANT (keras #8048, D-20): the
      truncated normal with s = sqrt(2/252), i.e. without the correction
      (variance 0.774x)
  kaiming_uniform_zero_to_b_conv.npy   MUTANT (JAX uniform, D-32):
      U[0, b) instead of U(-b, b)

Each file holds 16128 values (about 2^14) and is at most 64 KiB. Run with
Debian's Python, which has NumPy (the pyenv python3 on PATH does not):

  /usr/bin/python3 verify/tools/make_numpy_fixtures.py

The files are committed; CI only reads them. Rerunning rewrites identical
files (fixed seeds, NumPy's PCG64 default_rng).
"""
import math
import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test",
                   "data", "numpy")
TRUNC_STD_2 = 0.87962566103423978  # std of N(0,1) truncated to [-2, 2]


def truncated_normal(rng, shape, s):
    """N(0, s^2) restricted to [-2 s, 2 s] by redrawing (Keras' definition)."""
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2
    return z * s


def save(name, array):
    path = os.path.join(OUT, name)
    np.save(path, array)
    size = os.path.getsize(path)
    assert size <= 64 * 1024, (name, size)
    print(f"{name}: {array.dtype} {list(array.shape)}, {size} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    conv = (64, 28, 3, 3)           # torch Conv2d(28, 64, 3): fan_in 252
    keras = (3, 3, 28, 64)          # Keras Conv2D kernel: fan_in 252
    linear = (126, 128)             # torch Linear(128, 126)

    b = 1 / math.sqrt(28 * 9)
    rng = np.random.default_rng(20260801)
    save("kaiming_uniform_a_sqrt5_conv.npy",
         rng.uniform(-b, b, size=conv).astype(np.float32))

    rng = np.random.default_rng(20260802)
    s = math.sqrt(2 / 252) / TRUNC_STD_2
    save("he_normal_keras.npy", truncated_normal(rng, keras, s).astype(np.float32))

    rng = np.random.default_rng(20260803)
    save("xavier_normal_linear.npy",
         rng.normal(0, math.sqrt(2 / (128 + 126)), size=linear).astype(np.float32))

    rng = np.random.default_rng(20260804)
    bx = math.sqrt(6 / (128 + 126))
    save("xavier_uniform_linear_f16.npy",
         rng.uniform(-bx, bx, size=linear).astype(np.float16))

    rng = np.random.default_rng(20260805)
    save("he_normal_keras_no_correction.npy",
         truncated_normal(rng, keras, math.sqrt(2 / 252)).astype(np.float32))

    rng = np.random.default_rng(20260806)
    save("kaiming_uniform_zero_to_b_conv.npy",
         rng.uniform(0, b, size=conv).astype(np.float32))
    return 0


if __name__ == "__main__":
    sys.exit(main())
