// The mutant catalogue (see initcheck/verify/mutants.h).
//
// Every mutant below names the real bug it mirrors by the public report
// (issue or pull request of the framework, or the paper) a reader can look up.
#include "initcheck/verify/mutants.h"

#include <Eigen/Dense>
#include <algorithm>
#include <bit>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "initcheck/error.h"
#include "initcheck/fill.h"
#include "initcheck/kernel.h"
#include "initcheck/random.h"
#include "initcheck/verify/result.h"

namespace initcheck::verify {
namespace {

using std::string;

constexpr double kNaNValue = std::numeric_limits<double>::quiet_NaN();
// std of N(0, 1) truncated to [-2, 2] (Keras/JAX constant;
// b.3).
constexpr double kTruncStd2 = 0.87962566103423978;

string Num(double x) { return format_number(x); }

// ---- geometries with about n elements --------------------------------------


int64_t AtLeast(int64_t lo, double x) {
  return std::max<int64_t>(lo, static_cast<int64_t>(std::llround(x)));
}

// A torch Linear weight [rows, cols] with rows / cols ~= aspect.
Geometry Matrix(int64_t n, double aspect = 1.0) {
  const int64_t rows = AtLeast(3, std::sqrt(static_cast<double>(n) * aspect));
  const int64_t cols =
      AtLeast(3, static_cast<double>(n) / static_cast<double>(rows));
  return make_geometry({rows, cols});
}

// A torch Conv2d weight [r c, c, k, k] (out = r in).
Geometry TorchConv(int64_t n, int64_t r, int64_t k) {
  const int64_t c = AtLeast(
      1, std::sqrt(static_cast<double>(n) / static_cast<double>(r * k * k)));
  return make_geometry({r * c, c, k, k});
}

// A Keras Conv2D kernel [k, k, c, r c].
Geometry KerasConv(int64_t n, int64_t r, int64_t k) {
  const int64_t c = AtLeast(
      1, std::sqrt(static_cast<double>(n) / static_cast<double>(r * k * k)));
  return make_geometry({k, k, c, r * c}, Layout::kKeras);
}

// ---- building blocks -------------------------------------------------------

FillPlan Plan(const Scheme& s, const Geometry& g) { return plan_fill(s, g); }

// lib's fill of a scheme written as text (parameters computed by the "buggy
// initializer"), single-threaded: the power study parallelizes over seeds.
Tensor FillText(const string& text, const Geometry& g, DType dt,
                uint64_t seed) {
  return fill(Scheme::parse(text), g, dt,
              FillOptions{.seed = seed, .stream = 0, .threads = 1});
}

Tensor FillScheme(const Scheme& s, const Geometry& g, DType dt, uint64_t seed) {
  return fill(s, g, dt, FillOptions{.seed = seed, .stream = 0, .threads = 1});
}

// Stores v into element i of t (rounding to nearest even for f16/bf16).
void Store(Tensor& t, int64_t i, double v) {
  switch (t.dtype()) {
    case DType::kF32:
      t.as<float>()[i] = static_cast<float>(v);
      break;
    case DType::kF64:
      t.as<double>()[i] = v;
      break;
    case DType::kF16:
      t.as<uint16_t>()[i] = f32_to_f16(static_cast<float>(v));
      break;
    case DType::kBF16:
      t.as<uint16_t>()[i] = f32_to_bf16(static_cast<float>(v));
      break;
  }
}

Tensor FromDoubles(const std::vector<double>& v, DType dt, const Shape& s) {
  Tensor t(dt, s);
  for (int64_t i = 0; i < t.numel(); ++i)
    Store(t, i, v[static_cast<size_t>(i)]);
  return t;
}

// A uniform [0, 1) value from Philox stream `stream` of `seed` (random.h).
double Uniform01(uint64_t seed, uint64_t stream, int64_t i) {
  return static_cast<double>(
      uniform01(random_bits32(RngKey{seed, stream}, static_cast<uint64_t>(i))));
}

// Row-major rows x cols matrix of N(0,1) (lib's f64 normal kernel) or U[0,1)
// (f64 uniform kernel) values from stream 0 of `seed`.
std::vector<double> RandomMatrix(int64_t rows, int64_t cols, uint64_t seed,
                                 bool normal) {
  std::vector<double> a(static_cast<size_t>(rows * cols));
  const RngKey key{seed, 0};
  if (normal) {
    fill_normal(make_normal_kernel_f64(0.0, 1.0), key, 0, a.size(), a.data());
  } else {
    fill_uniform(make_uniform_kernel_f64(0.0, 1.0), key, 0, a.size(), a.data());
  }
  return a;
}

using RowMat =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// gain * Q as a rows x cols row-major vector, from the tall factor `q`
// (m x k, m >= k) of the matrix or of its transpose.
std::vector<double> FromTall(const Eigen::MatrixXd& q, int64_t rows,
                             int64_t cols, double gain) {
  std::vector<double> out(static_cast<size_t>(rows * cols));
  Eigen::Map<RowMat> o(out.data(), rows, cols);
  if (rows < cols) {
    o = gain * q.transpose();
  } else {
    o = gain * q;
  }
  return out;
}

// Orthogonal factor by Householder QR of an N(0,1) matrix, WITHOUT the
// sign(diag R) correction of Mezzadri (2007).
std::vector<double> OrthogonalNoSignFix(int64_t rows, int64_t cols, double gain,
                                        uint64_t seed) {
  std::vector<double> a = RandomMatrix(rows, cols, seed, /*normal=*/true);
  Eigen::Map<RowMat> m(a.data(), rows, cols);
  const Eigen::MatrixXd tall =
      rows < cols ? Eigen::MatrixXd(m.transpose()) : Eigen::MatrixXd(m);
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(tall);
  const Eigen::MatrixXd q =
      qr.householderQ() * Eigen::MatrixXd::Identity(tall.rows(), tall.cols());
  return FromTall(q, rows, cols, gain);
}

// mlpack: W = U of svd_econ(randu(rows, cols)).
std::vector<double> OrthogonalSvdOfUniform(int64_t rows, int64_t cols,
                                           double gain, uint64_t seed) {
  std::vector<double> a = RandomMatrix(rows, cols, seed, /*normal=*/false);
  Eigen::Map<RowMat> m(a.data(), rows, cols);
  const Eigen::MatrixXd tall =
      rows < cols ? Eigen::MatrixXd(m.transpose()) : Eigen::MatrixXd(m);
  Eigen::BDCSVD<Eigen::MatrixXd> svd(tall, Eigen::ComputeThinU);
  return FromTall(svd.matrixU(), rows, cols, gain);
}

// Haar-distributed factor (QR of an N(0,1) matrix with the sign fix of
// Mezzadri 2007), k x k, from Philox stream `stream` of `seed` (for the
// block-diagonal impostor).
Eigen::MatrixXd HaarSquare(int64_t k, uint64_t seed, uint64_t stream) {
  Eigen::MatrixXd a(k, k);
  const RngKey key{seed, stream};
  std::vector<double> v(static_cast<size_t>(k * k));
  fill_normal(make_normal_kernel_f64(0.0, 1.0), key, 0, v.size(), v.data());
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j) a(i, j) = v[static_cast<size_t>(i * k + j)];
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(k, k);
  const Eigen::MatrixXd r = qr.matrixQR();
  for (int64_t j = 0; j < k; ++j) {
    if (r(j, j) < 0) q.col(j) *= -1;
  }
  return q;
}

// A random sign (+-1) from Philox stream `stream` of `seed`, element i.
double RandomSign(uint64_t seed, uint64_t stream, int64_t i);

// gain P for a random signed permutation P (Fisher-Yates on stream 1,
// signs from stream 2): exactly orthogonal, entries 0 and +-gain.
std::vector<double> SignedPermutation(int64_t k, double gain, uint64_t seed) {
  std::vector<int64_t> perm(static_cast<size_t>(k));
  for (int64_t i = 0; i < k; ++i) perm[static_cast<size_t>(i)] = i;
  for (int64_t i = k - 1; i > 0; --i) {
    const int64_t j = std::min<int64_t>(
        i, static_cast<int64_t>(Uniform01(seed, 1, i) * static_cast<double>(i + 1)));
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(j)]);
  }
  std::vector<double> out(static_cast<size_t>(k * k), 0.0);
  for (int64_t i = 0; i < k; ++i)
    out[static_cast<size_t>(i * k + perm[static_cast<size_t>(i)])] = gain * RandomSign(seed, 2, i);
  return out;
}

// gain D_r H D_c / sqrt(k): Sylvester's Hadamard matrix (H_2m = [[H, H],
// [H, -H]], k a power of 2) with random row and column signs (streams 1, 2):
// exactly orthogonal, every |entry| = gain / sqrt(k).
std::vector<double> RandomizedHadamard(int64_t k, double gain, uint64_t seed) {
  std::vector<double> out(static_cast<size_t>(k * k));
  const double s = gain / std::sqrt(static_cast<double>(k));
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < k; ++j) {
      // H_ij = (-1)^popcount(i & j) for Sylvester's construction.
      const double h = (std::popcount(static_cast<uint64_t>(i & j)) & 1) ? -1.0 : 1.0;
      out[static_cast<size_t>(i * k + j)] =
          s * h * RandomSign(seed, 1, i) * RandomSign(seed, 2, j);
    }
  }
  return out;
}

// gain diag(Q1, Q2), Q1 and Q2 independent Haar k/2 x k/2 (streams 3, 4):
// exactly orthogonal, half the entries exactly 0.
std::vector<double> BlockDiagonalHaar(int64_t k, double gain, uint64_t seed) {
  const int64_t h = k / 2;
  std::vector<double> out(static_cast<size_t>(k * k), 0.0);
  const Eigen::MatrixXd a = HaarSquare(h, seed, 3), b = HaarSquare(k - h, seed, 4);
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < h; ++j) out[static_cast<size_t>(i * k + j)] = gain * a(i, j);
  for (int64_t i = 0; i < k - h; ++i)
    for (int64_t j = 0; j < k - h; ++j)
      out[static_cast<size_t>((h + i) * k + h + j)] = gain * b(i, j);
  return out;
}

double RandomSign(uint64_t seed, uint64_t stream, int64_t i) {
  return Uniform01(seed, stream, i) < 0.5 ? -1.0 : 1.0;
}

// Correlation rho at one lag k, marginal unchanged:
// x_i = (e_i + c e_(i-k)) / sqrt(1 + c^2), c / (1 + c^2) = rho (an MA(k)
// with one coefficient); the first k values stay e_i.
std::vector<double> LagCorrelated(std::vector<double> e, int64_t k, double rho) {
  const double c = (1 - std::sqrt(1 - 4 * rho * rho)) / (2 * rho);
  const double s = 1 / std::sqrt(1 + c * c);
  std::vector<double> x = e;
  for (size_t i = static_cast<size_t>(k); i < e.size(); ++i)
    x[i] = (e[i] + c * e[i - static_cast<size_t>(k)]) * s;
  return x;
}

// The largest power of two <= sqrt(n) rounded (at least 4).
int64_t PowerOfTwoSide(int64_t n) {
  int64_t k = 4;
  while (2 * k * 2 * k <= n * 2) k *= 2;  // nearest in log scale
  return k;
}

std::function<MutantEffect(const Geometry&)> Const(double ratio, string text) {
  return [ratio, text](const Geometry&) { return MutantEffect{ratio, text}; };
}

string Ratio(double r) { return "variance " + format("%.4g", r) + "x target"; }

// Helper to declare a mutant whose `make` needs the parsed reference scheme.
using MakeFn = std::function<Tensor(const Scheme& ref, const Geometry& g,
                                    DType dt, uint64_t seed)>;

Mutant Make(string name, string description, string bug_reference,
            string reference_scheme, DType dtype,
            std::function<Geometry(int64_t)> geometry, MakeFn make,
            std::function<MutantEffect(const Geometry&)> effect,
            int64_t assert_at = int64_t{1} << 18, string limit_note = "") {
  Mutant m;
  m.name = std::move(name);
  m.description = std::move(description);
  m.bug_reference = std::move(bug_reference);
  m.reference_scheme = Scheme::parse(reference_scheme).str();
  m.dtype = dtype;
  m.geometry = std::move(geometry);
  const Scheme ref = Scheme::parse(reference_scheme);
  m.make = [ref, make, dtype](const Geometry& g, uint64_t seed) {
    return make(ref, g, dtype, seed);
  };
  m.effect = std::move(effect);
  m.assert_detected_at = assert_at;
  m.limit_note = std::move(limit_note);
  return m;
}

std::vector<Mutant> Build() {
  const DType f32 = DType::kF32;
  std::vector<Mutant> v;

  // --- scale errors
  // -----------------------------------------------------------
  v.push_back(Make(
      "gain_off_5pct",
      "std 5% too large: a wrong gain constant (1.05 sqrt(2) for relu)",
      "wrong gain constants: PyTorch calculate_gain('selu') = 3/4 (#54055), "
      "LibTorch calculate_gain falling through to 1; 5% is the "
      "smallest scale error the project's issue asks to catch",
      "kaiming_normal(nonlinearity=relu)", f32,
      [](int64_t n) { return Matrix(n); },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        const FillPlan p = Plan(ref, g);
        return FillText("normal(std=" + Num(1.05 * p.std) + ")", g, dt, seed);
      },
      Const(1.05 * 1.05, "std x1.05 (variance 1.1025x target)")));

  v.push_back(Make(
      "gain_off_0p01pct",
      "std 0.01% too large (a gain constant rounded to 4 digits)",
      "documented limit, not a catalogue bug: how small a scale error the "
      "battery can see (the variance z-test needs n ~ 2 ((z_a + z_b) / eps)^2)",
      "kaiming_normal(nonlinearity=relu)", f32,
      [](int64_t n) { return Matrix(n); },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        const FillPlan p = Plan(ref, g);
        return FillText("normal(std=" + Num(1.0001 * p.std) + ")", g, dt, seed);
      },
      Const(1.0001 * 1.0001, "std x1.0001 (variance 1.0002x target)"), 0,
      "a variance error of 2e-4 needs n ~ 2 ((4.9 + 2.3) / 2e-4)^2 ~ 3e9 "
      "elements for 99% power: not detectable at any "
      "practical size"));

  v.push_back(Make(
      "fan_in_fan_out_swapped",
      "fan_in and fan_out swapped: the weight's axes read the wrong way round "
      "(a ConvTranspose [in, out, k, k] weight read as a Conv weight, or a "
      "Keras kernel read in torch layout)",
      "PyTorch #7865, TF #31192", "kaiming_normal", f32,
      [](int64_t n) { return TorchConv(n, 2, 3); },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        const Fans f = compute_fans(g);
        Geometry swapped = g;
        swapped.fan_in = f.fan_out;
        swapped.fan_out = f.fan_in;
        return FillScheme(ref, swapped, dt, seed);
      },
      [](const Geometry& g) {
        const Fans f = compute_fans(g);
        const double r = static_cast<double>(f.fan_in) / f.fan_out;
        return MutantEffect{r, Ratio(r) + " (fan_in / fan_out)"};
      }));

  v.push_back(Make(
      "uniform_bound_missing_sqrt3",
      "uniform bound sqrt(scale/n) instead of sqrt(3 scale/n): the std used "
      "as the bound",
      "keras PR #372; the same variance as tiny-dnn's lecun bound "
      "1/sqrt(fan_in)",
      "he_uniform", f32, [](int64_t n) { return KerasConv(n, 2, 3); },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        const double l = Plan(ref, g).high / std::sqrt(3.0);
        return FillText(
            "random_uniform(minval=" + Num(-l) + ", maxval=" + Num(l) + ")", g,
            dt, seed);
      },
      Const(1.0 / 3.0, "bound / sqrt(3) (variance 0.333x target)")));

  v.push_back(Make(
      "variance_passed_as_std",
      "Glorot normal with std = 2/(fan_in+fan_out), the variance passed "
      "where the std was expected",
      "mlpack GlorotInitialization, fixed by PR #3651 after 6 years",
      "xavier_normal", f32, [](int64_t n) { return Matrix(n); },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        const FillPlan p = Plan(ref, g);
        return FillText("normal(std=" + Num(p.std * p.std) + ")", g, dt, seed);
      },
      [](const Geometry& g) {
        const Fans f = compute_fans(g);
        const double r =
            2.0 / static_cast<double>(f.fan_in + f.fan_out);  // std^2 / 1
        return MutantEffect{r, Ratio(r) + " (= 2/(fan_in+fan_out))"};
      }));

  v.push_back(Make(
      "keras_truncated_normal_no_correction",
      "Keras-style truncated normal (+-2 parent sd) with parent sd sqrt(2 / "
      "fan_in), i.e. without dividing by 0.87962566: variance 0.774x",
      "keras #8048, TF #16344 / #18706, tfjs #8594", "he_normal", f32,
      [](int64_t n) { return KerasConv(n, 2, 3); },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        const double s = Plan(ref, g).std * kTruncStd2;
        return FillText("trunc_normal(std=" + Num(s) + ", a=" + Num(-2 * s) +
                            ", b=" + Num(2 * s) + ")",
                        g, dt, seed);
      },
      Const(kTruncStd2 * kTruncStd2, "variance 0.7737x target")));

  v.push_back(Make(
      "selu_gain_three_quarters",
      "self-normalizing init with PyTorch's SELU gain 3/4 where variance "
      "1/fan_in (nonlinearity='linear') was needed",
      "PyTorch #54055, PR #50664", "kaiming_normal(nonlinearity=linear)",
      f32, [](int64_t n) { return Matrix(n, 0.5); },
      [](const Scheme&, const Geometry& g, DType dt, uint64_t seed) {
        return FillText("kaiming_normal(nonlinearity=selu)", g, dt, seed);
      },
      Const(0.5625, "gain 0.75 (variance 0.5625x target)")));

  v.push_back(Make(
      "caffe_xavier_is_lecun",
      "Caffe's 'xavier' filler (default variance_norm FAN_IN: U(+-sqrt(3 / "
      "fan_in)), LeCun variance 1/fan_in) used as Glorot's 2/(fan_in + "
      "fan_out)",
      "Caffe filler.hpp naming trap; Caffe's own test checks the wrong "
      "std",
      "xavier_uniform", f32, [](int64_t n) { return TorchConv(n, 2, 3); },
      [](const Scheme&, const Geometry& g, DType dt, uint64_t seed) {
        const Fans f = compute_fans(g);
        const double b = std::sqrt(3.0 / static_cast<double>(f.fan_in));
        return FillText("uniform(a=" + Num(-b) + ", b=" + Num(b) + ")", g, dt,
                        seed);
      },
      [](const Geometry& g) {
        const Fans f = compute_fans(g);
        const double r = static_cast<double>(f.fan_in + f.fan_out) /
                         (2.0 * static_cast<double>(f.fan_in));
        return MutantEffect{r, Ratio(r) + " (= (fan_in+fan_out)/(2 fan_in))"};
      }));

  v.push_back(Make(
      "linear_default_instead_of_kaiming",
      "PyTorch's nn.Linear / ConvNd default kaiming_uniform_(a=sqrt(5)) = "
      "U(+-1/sqrt(fan_in)) where He initialization (a=0, relu) was meant",
      "PyTorch #15314, #57109, #129302",
      "kaiming_uniform(nonlinearity=relu)", f32,
      [](int64_t n) { return Matrix(n, 2.0); },
      [](const Scheme&, const Geometry& g, DType dt, uint64_t seed) {
        return FillText("kaiming_uniform(a=sqrt(5))", g, dt, seed);
      },
      Const(1.0 / 6.0, "variance 0.1667x target (1/(3 fan_in) vs 2/fan_in)")));

  v.push_back(Make(
      "depthwise_fan_out_not_divided",
      "depthwise conv (groups = channels) with fan_out = out k k instead of "
      "out/groups k k, as PyTorch computes it",
      "PyTorch #23854 (open), pytorch-image-models #84",
      "kaiming_normal(mode=fan_out, nonlinearity=relu)", f32,
      [](int64_t n) {
        const int64_t c = AtLeast(3, static_cast<double>(n) / 9.0);
        return make_geometry({c, 1, 3, 3}, Layout::kTorch, c, false, FanConvention::kLayer);
      },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        Geometry framework = g;
        framework.fans = FanConvention::kFramework;
        framework.groups = 1;
        return FillScheme(ref, framework, dt, seed);
      },
      [](const Geometry& g) {
        const double r = 1.0 / static_cast<double>(g.groups);
        return MutantEffect{r, Ratio(r) + " (= 1/groups)"};
      }));

  v.push_back(Make(
      "grouped_fan_in_ungrouped",
      "grouped conv (4 groups) initialized with the ungrouped fan_in = in k k "
      "instead of in/groups k k: the bound sqrt(groups) too narrow",
      "ml-explore/mlx #4536",
      "kaiming_uniform(nonlinearity=relu)", f32,
      [](int64_t n) {
        const int64_t m = AtLeast(1, std::sqrt(static_cast<double>(n) / 36.0));
        return make_geometry({4 * m, m, 3, 3}, Layout::kTorch, 4, false, FanConvention::kLayer);
      },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        const Fans f = compute_fans(g);
        Geometry wrong = g;
        wrong.fan_in = f.fan_in * g.groups;
        wrong.fan_out = f.fan_out;
        return FillScheme(ref, wrong, dt, seed);
      },
      Const(0.25, "variance 0.25x target (= 1/groups)")));

  // --- shape and support errors ---------------------------------------------
  v.push_back(Make(
      "torch_trunc_normal_absolute_bounds",
      "trunc_normal_(w, std=0.02) with the default a=-2, b=2, which are "
      "absolute: cut at +-100 sd, i.e. untruncated, where +-2 sd was meant",
      "PyTorch trunc_normal_ a, b are absolute (torch.nn.init docs; the "
      "trap behind PyTorch #155588)",
      "trunc_normal(std=0.02, a=-0.04, b=0.04)", f32,
      [](int64_t n) { return Matrix(n); },
      [](const Scheme&, const Geometry& g, DType dt, uint64_t seed) {
        return FillText("trunc_normal(std=0.02)", g, dt, seed);
      },
      Const(1.0 / (kTruncStd2 * kTruncStd2),
            "untruncated: 4.6% of values beyond the bounds (variance "
            "1.292x target)")));

  v.push_back(Make(
      "truncated_at_3sd",
      "Keras-style truncated normal cut at +-3 parent sd instead of +-2 "
      "(parent sd still corrected for +-2)",
      "truncation in the wrong place (JAX's lower/upper "
      "are in sd units, PyTorch's a, b absolute)",
      "he_normal", f32, [](int64_t n) { return KerasConv(n, 2, 3); },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        const double s = Plan(ref, g).std;
        return FillText("trunc_normal(std=" + Num(s) + ", a=" + Num(-3 * s) +
                            ", b=" + Num(3 * s) + ")",
                        g, dt, seed);
      },
      // Var(N(0,1) | +-3) = 1 - 6 phi(3) / (2 Phi(3) - 1) = 0.97333692...
      Const(0.97333692466254150 / (kTruncStd2 * kTruncStd2),
            "support +-3 sd instead of +-2 sd (variance 1.258x target)")));

  v.push_back(Make(
      "truncation_missing",
      "untruncated normal with the right variance where Keras' truncated "
      "normal (+-2 parent sd) was meant",
      "Keras VarianceScaling 'normal' means truncated_normal, "
      "'untruncated_normal' is separate; TF's test file tests "
      "'truncated_normal' twice and never the untruncated one "
      "(tensorflow/python/ops/init_ops_v2_test.py); PyTorch kaiming_normal_ is untruncated where "
      "Keras HeNormal is truncated",
      "he_normal", f32, [](int64_t n) { return KerasConv(n, 2, 3); },
      [](const Scheme&, const Geometry& g, DType dt, uint64_t seed) {
        return FillText(
            "variance_scaling(scale=2, mode=fan_in, "
            "distribution=untruncated_normal)",
            g, dt, seed);
      },
      Const(1.0, "same variance, untruncated: 2.3% beyond the bounds")));

  v.push_back(Make(
      "mean_shift_0p02sd", "every value shifted by +0.02 sd",
      "a biased sampler; cf. PyTorch trunc_normal_ on bf16 piling mass at the "
      "lower bound (#145498); 0.02 sd is the project's target "
      "resolution (the mean z-test detects it with probability 0.99 from "
      "n = ((4.89 + 2.33) / 0.02)^2 = 130,248 at alpha 1e-6)",
      "kaiming_normal(nonlinearity=relu)", f32,
      [](int64_t n) { return Matrix(n); },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        const double s = Plan(ref, g).std;
        return FillText(
            "normal(mean=" + Num(0.02 * s) + ", std=" + Num(s) + ")", g, dt,
            seed);
      },
      Const(1.0, "mean +0.02 sd, variance unchanged")));

  v.push_back(Make(
      "normal_instead_of_uniform",
      "a normal with the uniform's variance where the uniform was meant "
      "(the _normal and _uniform variants confused)",
      "kaiming_normal_ vs kaiming_uniform_ in ports; Caffe 'msra' (Gaussian) "
      "vs 'xavier' (uniform)",
      "kaiming_uniform(a=sqrt(5))", f32,
      [](int64_t n) { return TorchConv(n, 2, 3); },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        const double b = Plan(ref, g).high;
        return FillText("normal(std=" + Num(b / std::sqrt(3.0)) + ")", g, dt,
                        seed);
      },
      Const(1.0, "same variance, normal shape (8.3% beyond the bounds)")));

  v.push_back(Make(
      "uniform_zero_to_b", "U[0, b) where U[-b, b) was meant",
      "jax.nn.initializers.uniform(scale) is U[0, scale) (flax #4127)",
      "random_uniform(minval=-0.05, maxval=0.05)", f32,
      [](int64_t n) { return Matrix(n); },
      [](const Scheme&, const Geometry& g, DType dt, uint64_t seed) {
        return FillText("uniform(a=0, b=0.05)", g, dt, seed);
      },
      Const(0.25, "no negative values, mean +b/2 (variance 0.25x target)")));

  v.push_back(Make(
      "quantized_16_levels",
      "values quantized to 16 levels (the midpoints of 16 equal cells): too "
      "few random bits",
      "low-resolution randomness (e.g. rand() % 16 scaled); PyTorch now "
      "counts unique values of trunc_normal_ (test/nn/test_init.py)",
      "kaiming_uniform(a=sqrt(5))", f32, [](int64_t n) { return Matrix(n); },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        const FillPlan p = Plan(ref, g);
        const Tensor t = FillScheme(ref, g, dt, seed);
        std::vector<double> x = t.to_double();
        const double w = (p.high - p.low) / 16.0;
        for (double& e : x) {
          const double cell =
              std::clamp(std::floor((e - p.low) / w), 0.0, 15.0);
          e = p.low + (cell + 0.5) * w;
        }
        return FromDoubles(x, dt, g.shape);
      },
      Const(1.0 - 1.0 / 256.0,
            "16 distinct values (variance 0.9961x target)")));

  v.push_back(Make(
      "keras_torch_backend_truncation_leak",
      "Keras-style truncated normal drawing 4 normals per element and keeping "
      "the first in range; when all 4 are out (p = 4.3e-6) the first, "
      "out-of-range one leaks",
      "Keras 3 torch-backend truncated_normal", "he_normal", f32,
      [](int64_t n) { return KerasConv(n, 2, 3); },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        const double s = Plan(ref, g).std;
        Tensor t = FillScheme(ref, g, dt, seed);
        const boost::math::normal z01;
        const double tail = boost::math::cdf(z01, -2.0);  // P(Z < -2)
        const double p_leak = std::pow(2 * tail, 4);
        for (int64_t i = 0; i < t.numel(); ++i) {
          if (Uniform01(seed, 1, i) >= p_leak) continue;
          // The first draw, conditioned on |z| > 2: z = Phi^-1(tail w).
          const double w = 1.0 - Uniform01(seed, 2, i);  // (0, 1]
          const double z = -boost::math::quantile(z01, tail * w);
          Store(t, i, (Uniform01(seed, 3, i) < 0.5 ? -z : z) * s);
        }
        return t;
      },
      Const(1.0,
            "4.3e-6 of the values beyond +-2 parent sd (1.1 per 2^18 "
            "elements)"),
      int64_t{1} << 22,
      "a leak is certain to be caught (support test) but rare: at 2^18 "
      "elements the expected count is 1.1 (detection ~0.67); at 2^22 it is "
      "18, P(no leak) = e^-18 = 1.5e-8"));

  v.push_back(Make(
      "bf16_rounding_by_truncation",
      "f32 -> bfloat16 by dropping the low 16 bits (round toward zero) "
      "instead of rounding to nearest even",
      "not in the catalogue [derived]: a float-to-bf16 cast by truncation; "
      "the catalogue's low-precision bugs are PyTorch #145498 (trunc_normal_ "
      "on bf16) and #9315 (orthogonal_ on half/bf16)",
      "kaiming_normal(nonlinearity=relu)", DType::kBF16,
      [](int64_t n) { return Matrix(n); },
      [](const Scheme& ref, const Geometry& g, DType, uint64_t seed) {
        const Tensor f = FillScheme(ref, g, DType::kF32, seed);
        Tensor t(DType::kBF16, g.shape);
        for (int64_t i = 0; i < t.numel(); ++i) {
          const uint32_t b = std::bit_cast<uint32_t>(f.as<float>()[i]);
          t.as<uint16_t>()[i] = static_cast<uint16_t>(b >> 16);
        }
        return t;
      },
      Const(0.99436,
            "magnitudes shrunk by 2^-8 / (2 ln 2) = 0.28% on average "
            "(variance ~0.9944x target)"),
      0,
      "a 0.56% variance error: the variance test needs n ~ 2 ((5.3 + 2.3) / "
      "0.0056)^2 ~ 4e6 elements for 99% power, beyond the fast test's "
      "budget; the power study measures it"));

  // --- structure and independence errors ------------------------------------
  v.push_back(Make(
      "rows_share_one_stream",
      "every row drawn from the same random stream (identical rows)",
      "a generator reused per row or layer: Keras' shared unseeded "
      "initializer instance gives identical weights; sparse_ ignoring "
      "its generator",
      "kaiming_uniform(a=sqrt(5))", f32, [](int64_t n) { return Matrix(n); },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        const double b = Plan(ref, g).high;
        const int64_t rows = g.shape[0], cols = g.shape[1];
        const Tensor row =
            FillText("uniform(a=" + Num(-b) + ", b=" + Num(b) + ")",
                     make_geometry({cols}), dt, seed);
        Tensor t(dt, g.shape);
        const size_t bytes = static_cast<size_t>(row.nbytes());
        for (int64_t r = 0; r < rows; ++r) {
          std::copy_n(row.data(), bytes,
                      t.data() + static_cast<size_t>(r) * bytes);
        }
        return t;
      },
      Const(1.0, "all rows identical")));

  v.push_back(Make(
      "serial_correlation_0p1",
      "neighbouring values correlated: AR(1) with rho = 0.1 (the marginal is "
      "still exactly right)",
      "overlapping counters or a transform reusing a variate (Box-Muller "
      "returning the same variate twice)",
      "kaiming_normal(nonlinearity=relu)", f32,
      [](int64_t n) { return Matrix(n); },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        const Tensor t = FillScheme(ref, g, DType::kF64, seed);
        std::vector<double> x = t.to_double();
        const double rho = 0.1, c = std::sqrt(1 - rho * rho);
        for (size_t i = 1; i < x.size(); ++i) x[i] = rho * x[i - 1] + c * x[i];
        return FromDoubles(x, dt, g.shape);
      },
      Const(1.0, "lag-1 correlation 0.1, marginal unchanged")));

  v.push_back(Make(
      "caffe_sparse_bernoulli_mask",
      "sparse init with an independent Bernoulli(0.1) zero mask instead of "
      "exactly ceil(0.1 rows) zeros per column",
      "Caffe gaussian filler with sparse=k (Bernoulli mask; Caffe "
      "filler.hpp) vs torch.nn.init.sparse_",
      "sparse(sparsity=0.1)", f32, [](int64_t n) { return Matrix(n); },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        Tensor t =
            FillText("normal(std=" + Num(ref.number("std")) + ")", g, dt, seed);
        for (int64_t i = 0; i < t.numel(); ++i) {
          if (Uniform01(seed, 1, i) < ref.number("sparsity")) Store(t, i, 0.0);
        }
        return t;
      },
      [](const Geometry&) {
        return MutantEffect{kNaNValue,
                            "zeros per column Binomial(rows, 0.1) instead of "
                            "exactly ceil(0.1 rows)"};
      }));

  v.push_back(Make(
      "orthogonal_without_sign_fix",
      "QR of a Gaussian matrix (Eigen Householder) without multiplying Q by "
      "sign(diag R): orthogonal but not Haar",
      "TF PR #9429 review; Mezzadri (2007)", "orthogonal", f32,
      [](int64_t n) {
        const int64_t k = AtLeast(3, std::sqrt(static_cast<double>(n)));
        return make_geometry({k, k});
      },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        return FromDoubles(OrthogonalNoSignFix(g.shape[0], g.shape[1],
                                               ref.number("gain"), seed),
                           dt, g.shape);
      },
      [](const Geometry&) {
        return MutantEffect{1.0, "orthogonal, not Haar: Q[0,0] always < 0"};
      }));

  v.push_back(Make(
      "mlpack_orthogonal_svd_of_uniform",
      "U from the SVD of a U[0,1) matrix (not centred): orthogonal, but the "
      "first column is nearly constant",
      "mlpack OrthogonalInitialization svd_econ(randu); TF r0.12 "
      "orthogonal from random_uniform (PR #10719)",
      "orthogonal", f32,
      [](int64_t n) {
        const int64_t k = AtLeast(3, std::sqrt(static_cast<double>(n)));
        return make_geometry({k, k});
      },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        return FromDoubles(OrthogonalSvdOfUniform(g.shape[0], g.shape[1],
                                                  ref.number("gain"), seed),
                           dt, g.shape);
      },
      [](const Geometry&) {
        return MutantEffect{1.0,
                            "orthogonal, not Haar: first column ~ constant "
                            "1/sqrt(rows), one sign"};
      }));
  // ---- issue 12: what outside data found the battery blind to ------------

  // Lag-k correlation 0.05: a SIMD kernel or a thread whose lanes reuse a
  // variate k elements apart (k = the lane count, a chunk, the row length).
  for (const int64_t lag : {1, 2, 4, 8, 16, 32, 0}) {
    const string name = lag == 0 ? "row_lag_correlation_0p05"
                                 : "lag" + std::to_string(lag) + "_correlation_0p05";
    v.push_back(Make(
        name,
        lag == 0 ? "each value correlated 0.05 with the value above it (lag = "
                   "the row length), marginal unchanged"
                 : "each value correlated 0.05 with the value " +
                       std::to_string(lag) + " elements earlier, marginal unchanged",
        "SIMD lanes or threads reusing randomness (issue 12: a lag-8 "
        "correlation of 0.05 passed the lag-1 test)",
        "kaiming_normal(nonlinearity=relu)", f32,
        [](int64_t n) { return Matrix(n); },
        [lag](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
          const Tensor t = FillScheme(ref, g, DType::kF64, seed);
          const int64_t k = lag == 0 ? g.shape.back() : lag;
          return FromDoubles(LagCorrelated(t.to_double(), k, 0.05), dt, g.shape);
        },
        Const(1.0, lag == 0 ? "lag = row length correlation 0.05"
                            : "lag-" + std::to_string(lag) + " correlation 0.05")));
  }

  // Orthogonal impostors: exactly orthogonal, fair signs, not Haar.
  auto square = [](int64_t n) {
    const int64_t k = AtLeast(4, std::sqrt(static_cast<double>(n)));
    return make_geometry({k, k});
  };
  v.push_back(Make(
      "orthogonal_signed_permutation",
      "a random signed permutation matrix: orthogonal with fair random signs, "
      "entries 0 and +-1",
      "issue 12 (outside data: passed as orthogonal); structured 'orthogonal' "
      "shortcuts", "orthogonal", f32, square,
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        return FromDoubles(SignedPermutation(g.shape[0], ref.number("gain"), seed), dt,
                           g.shape);
      },
      Const(1.0, "orthogonal, entries in {0, +-1}: not Haar")));
  v.push_back(Make(
      "orthogonal_randomized_hadamard",
      "D_r H D_c / sqrt(k) (Sylvester Hadamard with random row and column "
      "signs): orthogonal, every |entry| = 1/sqrt(k)",
      "issue 12 (outside data: passed as orthogonal); structured random "
      "rotations used for fast transforms", "orthogonal", f32,
      [](int64_t n) {
        const int64_t k = PowerOfTwoSide(n);
        return make_geometry({k, k});
      },
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        return FromDoubles(RandomizedHadamard(g.shape[0], ref.number("gain"), seed), dt,
                           g.shape);
      },
      Const(1.0, "orthogonal, |entries| all 1/sqrt(k): not Haar")));
  v.push_back(Make(
      "orthogonal_block_diagonal",
      "two independent Haar blocks on the diagonal (orthogonal init applied per "
      "block of a fused weight): orthogonal, half the entries 0",
      "per-chunk orthogonal init of fused weights (issue 12's structured "
      "orthogonals)", "orthogonal", f32, square,
      [](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
        return FromDoubles(BlockDiagonalHaar(g.shape[0], ref.number("gain"), seed), dt,
                           g.shape);
      },
      Const(1.0, "orthogonal, block-diagonal: not Haar")));

  // Small tensors: a bias of n values drawn with a bound k times smaller
  // than the reference's (e.g. a conv bias checked against 1/sqrt(in
  // channels) but drawn with 1/sqrt(in k_h k_w), k = 3x3 or 4x4 kernels).
  for (const int k : {3, 4}) {
    const int64_t at = k == 3 ? 32 : 16;
    v.push_back(Make(
        "small_bias_bound_" + std::to_string(k) + "x_too_wide",
        "a bias of " + std::to_string(at) + " values drawn from U(+-b/" + std::to_string(k) +
            ") where the reference bound is b: the reference bound is " +
            std::to_string(k) + "x too wide for the data",
        "issue 12 (outside data: biases of 10-32 values passed a uniform scheme "
        "3-55x wrong); bias bound 1/sqrt(in_channels) vs 1/sqrt(fan_in)",
        "uniform(a=-0.125, b=0.125)", f32,
        [](int64_t n) { return make_geometry({std::max<int64_t>(2, n)}); },
        [k](const Scheme& ref, const Geometry& g, DType dt, uint64_t seed) {
          const double b = ref.number("b") / k;
          return FillText("uniform(a=" + Num(-b) + ", b=" + Num(b) + ")", g, dt, seed);
        },
        Const(1.0 / (k * k), "variance 1/" + std::to_string(k * k) + "x target, bound /" +
                                 std::to_string(k)),
        at,
        "asserted at n = " + std::to_string(at) +
            " (the issue's requirement; the exact range law gives p <= 3 P(Beta(n-1, 2) <= 1/" +
            std::to_string(k) + ") = " + (k == 3 ? "1.0e-13" : "3.4e-8") + ")"));
    v.back().min_n_low = 4;
  }
  return v;
}

}  // namespace

const std::vector<Mutant>& mutant_catalogue() {
  static const std::vector<Mutant> kCatalogue = Build();
  return kCatalogue;
}

const Mutant& find_mutant(std::string_view name) {
  for (const Mutant& m : mutant_catalogue()) {
    if (m.name == name) return m;
  }
  string names;
  for (const Mutant& m : mutant_catalogue()) {
    names += (names.empty() ? "" : ", ") + m.name;
  }
  throw Error("unknown mutant '" + string(name) + "'; known: " + names);
}

MutantCase make_mutant_case(const Mutant& m, int64_t n, uint64_t seed) {
  MutantCase c;
  c.geometry = m.geometry(n);
  c.scheme = Scheme::parse(m.reference_scheme);
  c.tensor = m.make(c.geometry, seed);
  return c;
}

MutantCase make_reference_case(const Mutant& m, int64_t n, uint64_t seed) {
  MutantCase c;
  c.geometry = m.geometry(n);
  c.scheme = Scheme::parse(m.reference_scheme);
  c.tensor = FillScheme(c.scheme, c.geometry, m.dtype, seed);
  return c;
}

}  // namespace initcheck::verify
