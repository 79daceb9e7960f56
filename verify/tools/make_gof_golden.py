#!/usr/bin/python3
"""Writes verify/test/data/gof_golden.csv: KS, Anderson-Darling and
chi-square of fixed samples computed by SciPy (1.10), for
gof_golden_test.cc, which runs the battery's pipeline on the same samples
and compares.

Samples (both sides build them identically):
  numpy_*   the NumPy-made fixtures of verify/test/data/numpy/ (float32,
            read from the .npy files), against their schemes' targets:
            U(-b, b) with b = 1/sqrt(252) or sqrt(6/254); N(0, 2/254);
            N(0, s^2) truncated to [-2 s, 2 s], s = sqrt(2/252)/0.8796...
  mix_*     n = 10^6 doubles u_i = ((z_i >> 11) + 1/2) 2^-53, z_i the
            (i+1)-th output of SplitMix64 from state 0 (Steele, Lea & Flood
            2014; integer arithmetic mod 2^64, exact in both languages):
            a + (b - a) u_i against U(a, b); Irwin-Hall sums of 12
            consecutive u minus 6 (additions left to right, the same
            rounding in both) against N(0, 1), and the ones in (-2, 2)
            against N(0, 1) truncated to [-2, 2] (not quite normal:
            p-values far in the tails, which exercises them).

Definitions (verify/include/initcheck/verify/{ks,anderson_darling,
chi_square}.h):
  KS      D = max(max (i+1)/n - u_i, max u_i - i/n); p = kstwo.sf(D, n)
  AD      A^2 = -n - (1/n) sum (2i+1) log u_i + (2n-1-2i) log s_i, with
          log u and log s from scipy's logcdf / logsf
  chi2    k = clamp(n // 20, 2, 50) equiprobable bins, cut j at u >= j/k
          (j <= k/2) or s <= (k-j)/k above; X^2 = sum (O - n/k)^2 / (n/k);
          p = chi2.sf(X^2, k - 1)

Run with Debian's Python (NumPy, SciPy):
  /usr/bin/python3 verify/tools/make_gof_golden.py
"""
import math
import os

import numpy as np
import scipy
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "test", "data")
TRUNC_STD_2 = 0.87962566103423978


def mixed_uniforms(n):
    z = np.arange(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = z * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0 ** -53


def irwin_hall(n):
    u = mixed_uniforms(12 * n).reshape(n, 12)
    s = u[:, 0].copy()
    for j in range(1, 12):
        s = s + u[:, j]
    return s - 6.0


def stats_of(x, dist):
    x = np.sort(np.asarray(x, dtype=np.float64))
    n = len(x)
    u = dist.cdf(x)
    s = dist.sf(x)
    i = np.arange(n, dtype=np.float64)
    d = max(np.max((i + 1) / n - u), np.max(u - i / n))
    ks_p = stats.kstwo.sf(d, n)
    lu = dist.logcdf(x)
    ls = dist.logsf(x)
    total = np.sum((2 * i + 1) * lu + (2 * n - 1 - 2 * i) * ls)
    a2 = -n - total / n
    k = min(max(n // 20, 2), 50)
    cut = [0] * (k + 1)
    cut[k] = n
    for j in range(1, k):
        if 2 * j <= k:
            cut[j] = int(np.sum(u < j / k))
        else:
            cut[j] = int(np.sum(s > (k - j) / k))
    counts = [max(0, cut[j + 1] - cut[j]) for j in range(k)]
    e = n / k
    x2 = sum((c - e) ** 2 / e for c in counts)
    return n, d, ks_p, a2, k, x2, stats.chi2.sf(x2, k - 1)


def main():
    rows = []
    b = 1 / math.sqrt(28 * 9)
    npy = lambda f: np.load(os.path.join(DATA, "numpy", f)).astype(np.float64).ravel()
    rows.append(("numpy_kaiming_uniform", stats_of(
        npy("kaiming_uniform_a_sqrt5_conv.npy"), stats.uniform(-b, 2 * b))))
    rows.append(("numpy_kaiming_uniform_zero_to_b", stats_of(
        npy("kaiming_uniform_zero_to_b_conv.npy"), stats.uniform(-b, 2 * b))))
    rows.append(("numpy_xavier_normal", stats_of(
        npy("xavier_normal_linear.npy"), stats.norm(0, math.sqrt(2 / 254)))))
    bx = math.sqrt(6 / 254)
    rows.append(("numpy_xavier_uniform_f16", stats_of(
        npy("xavier_uniform_linear_f16.npy"), stats.uniform(-bx, 2 * bx))))
    s = math.sqrt(2 / 252) / TRUNC_STD_2
    rows.append(("numpy_he_normal", stats_of(
        npy("he_normal_keras.npy"), stats.truncnorm(-2, 2, scale=s))))
    rows.append(("numpy_he_normal_no_correction", stats_of(
        npy("he_normal_keras_no_correction.npy"), stats.truncnorm(-2, 2, scale=s))))
    n = 1000000
    u = mixed_uniforms(n)
    rows.append(("mix_uniform", stats_of(-0.5 + (0.75 - -0.5) * u, stats.uniform(-0.5, 1.25))))
    ih = irwin_hall(n)
    rows.append(("mix_irwin_hall_normal", stats_of(ih, stats.norm(0, 1))))
    rows.append(("mix_irwin_hall_trunc", stats_of(ih[(ih > -2) & (ih < 2)],
                                                  stats.truncnorm(-2, 2))))
    path = os.path.join(DATA, "gof_golden.csv")
    with open(path, "w") as f:
        f.write(f"# scipy {scipy.__version__}, numpy {np.__version__}; "
                "written by verify/tools/make_gof_golden.py\n")
        f.write("case,n,ks_d,ks_p,ad_a2,chi_bins,chi_x2,chi_p\n")
        for name, (n, d, p, a2, k, x2, cp) in rows:
            f.write(f"{name},{n},{d!r},{p!r},{a2!r},{k},{x2!r},{cp!r}\n")
    print(open(path).read())


if __name__ == "__main__":
    main()
