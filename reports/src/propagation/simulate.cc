// Monte-Carlo forward/backward propagation (see simulate.h).
#include "initcheck/propagation/simulate.h"

#include <Eigen/Core>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <string>

#include "initcheck/error.h"
#include "initcheck/fill.h"

namespace initcheck::propagation {
namespace {

using ColMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Two units are "the same" when they differ by at most this times the layer's
// RMS at every input (exactly symmetric units agree to rounding).
constexpr double kDistinctRelTol = 1e-9;

Geometry Shape2(int64_t a, int64_t b) {
  Geometry g;
  g.shape = {a, b};
  return g;
}

Geometry Shape1(int64_t a) {
  Geometry g;
  g.shape = {a};
  return g;
}

// Per-column mean square of the column-major n x B matrix, into `per`, and
// their mean (fixed summation order).
double ColumnMeanSquares(const ColMat& m, std::vector<double>& per) {
  const int64_t n = m.rows(), B = m.cols();
  per.resize(static_cast<size_t>(B));
  double total = 0;
  for (int64_t b = 0; b < B; ++b) {
    const double* c = m.data() + b * n;
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += c[i] * c[i];
    per[static_cast<size_t>(b)] = s / static_cast<double>(n);
    total += per[static_cast<size_t>(b)];
  }
  return total / static_cast<double>(B);
}

double MeanOf(const ColMat& m) {
  const int64_t N = m.size();
  const double* p = m.data();
  double s = 0;
  for (int64_t i = 0; i < N; ++i) s += p[i];
  return s / static_cast<double>(N);
}

bool AllZero(const ColMat& m) {
  const int64_t N = m.size();
  const double* p = m.data();
  for (int64_t i = 0; i < N; ++i) {
    if (p[i] != 0.0) return false;
  }
  return true;
}

class Runner {
 public:
  Runner(const SimulationConfig& c, bool store_weights, std::function<void(int64_t)> tick)
      : c_(c),
        store_(store_weights),
        tick_(std::move(tick)),
        normal1_(Scheme::parse("normal(mean=0, std=1)")),
        bias_(Scheme::parse("normal(mean=0, std=" +
                            format_number(c.bias_std > 0 ? c.bias_std : 1.0) + ")")) {}

  void Run(int k, SeedRun& out) {
    const int64_t n = c_.width, B = c_.batch;
    const int L = c_.depth;
    const uint64_t seed = c_.base_seed + static_cast<uint64_t>(k);
    out.seed = seed;
    out.layers.assign(static_cast<size_t>(L), SeedLayer{});
    const Activation& phi = c_.activation;
    const bool relu = phi.kind() == ActivationKind::kRelu;
    const bool rectifier = relu || phi.kind() == ActivationKind::kLeakyRelu;
    const bool saturating = phi.saturating();

    const Tensor x = fill(normal1_, Shape2(B, n), DType::kF64, {seed, kInputStream, 1});
    // [B, n] row-major is the column-major n x B matrix of inputs.
    ColMat h = Eigen::Map<const ColMat>(x.as<double>(), n, B);
    ColMat z(n, B);
    std::vector<Tensor> weights;
    std::vector<ColMat> dphi(static_cast<size_t>(L));
    std::vector<std::vector<double>> hsq(static_cast<size_t>(L));  // |h^{l-1}_b|^2 / n
    std::vector<char> h_prev_zero(static_cast<size_t>(L), 0);        // h^{l-1} == 0
    std::vector<double> per;
    bool h_zero = AllZero(h);
    int stopped = 0;  // forward exploded at this layer

    for (int l = 1; l <= L; ++l) {
      SeedLayer& S = out.layers[static_cast<size_t>(l - 1)];
      ColumnMeanSquares(h, hsq[static_cast<size_t>(l - 1)]);
      h_prev_zero[static_cast<size_t>(l - 1)] = h_zero;
      Tensor w = DrawWeights(seed, l);
      if (h_zero) {
        z.setZero();
      } else {
        z.noalias() = Eigen::Map<const RowMat>(w.as<double>(), n, n) * h;
      }
      if (c_.bias_std > 0) {
        const Tensor b = fill(bias_, Shape1(n), DType::kF64,
                              {seed, kBiasStreamBase + static_cast<uint64_t>(l), 1});
        z.colwise() += Eigen::Map<const Eigen::VectorXd>(b.as<double>(), n);
      }
      if (store_) weights.push_back(std::move(w));
      S.forward = ColumnMeanSquares(z, per);
      S.forward_single = per[0];
      if (!std::isfinite(S.forward) || S.forward > kExplodeLimit) {
        for (int j = l; j <= L; ++j) {
          SeedLayer& E = out.layers[static_cast<size_t>(j - 1)];
          E = SeedLayer{};
          E.forward = E.forward_single = std::numeric_limits<double>::infinity();
          E.backward = E.backward_single = kNaN;
          E.unit_mean = E.post_mean = E.post_second = E.weight_grad = kNaN;
          E.saturated = E.dead = E.inactive = kNaN;
          E.distinct_units = E.distinct_gradients = -1;
          E.forward_status = LayerStatus::kExploded;
          E.backward_status = LayerStatus::kMissing;
        }
        stopped = l;
        break;
      }
      S.forward_status = LayerStatus::kOk;
      if (S.forward < kVanishLimit) {
        S.forward_status = LayerStatus::kVanished;
        z.setZero();
      }
      S.unit_mean = MeanOf(z);
      S.distinct_units =
          count_distinct_rows(z.data(), n, B, kDistinctRelTol * std::sqrt(S.forward));
      ColMat& d = dphi[static_cast<size_t>(l - 1)];
      d.resize(n, B);
      phi.apply(z.data(), h.data(), d.data(), static_cast<size_t>(n * B));
      S.post_mean = MeanOf(h);
      {
        double s2 = 0;
        const double* p = h.data();
        for (int64_t i = 0; i < n * B; ++i) s2 += p[i] * p[i];
        S.post_second = s2 / static_cast<double>(n * B);
      }
      S.saturated = kNaN;
      if (saturating) {
        int64_t cnt = 0;
        const double* p = d.data();
        for (int64_t i = 0; i < n * B; ++i) cnt += std::fabs(p[i]) < kSaturationThreshold;
        S.saturated = static_cast<double>(cnt) / static_cast<double>(n * B);
      }
      S.inactive = kNaN;
      if (rectifier) {
        int64_t cnt = 0;
        const double* p = z.data();
        for (int64_t i = 0; i < n * B; ++i) cnt += p[i] <= 0.0;
        S.inactive = static_cast<double>(cnt) / static_cast<double>(n * B);
      }
      S.dead = kNaN;
      if (relu) {
        int64_t dead = 0;
        for (int64_t i = 0; i < n; ++i) {
          bool all = true;
          for (int64_t b = 0; b < B && all; ++b) all = h(i, b) == 0.0;
          dead += all;
        }
        S.dead = static_cast<double>(dead) / static_cast<double>(n);
      }
      h_zero = AllZero(h);
      tick_(1);
    }
    if (stopped) {
      tick_(2 * L - (stopped - 1));
      return;
    }

    // Backward: delta^L = phi'(z^L) * r, delta^l = phi'(z^l) * (W^{l+1})^T delta^{l+1}.
    const Tensor r = fill(normal1_, Shape2(B, n), DType::kF64, {seed, kOutputGradStream, 1});
    ColMat delta = Eigen::Map<const ColMat>(r.as<double>(), n, B).cwiseProduct(dphi.back());
    ColMat g(n, B);
    bool d_zero = false;
    for (int l = L; l >= 1; --l) {
      SeedLayer& S = out.layers[static_cast<size_t>(l - 1)];
      if (l < L) {
        if (d_zero) {
          delta.setZero();
        } else {
          Tensor fresh;
          const double* wp;
          if (store_) {
            wp = weights[static_cast<size_t>(l)].as<double>();  // W^{l+1}
          } else {
            fresh = DrawWeights(seed, l + 1);
            wp = fresh.as<double>();
          }
          g.noalias() = Eigen::Map<const RowMat>(wp, n, n).transpose() * delta;
          delta = g.cwiseProduct(dphi[static_cast<size_t>(l - 1)]);
        }
      }
      S.backward = ColumnMeanSquares(delta, per);
      S.backward_single = per[0];
      if (!std::isfinite(S.backward) || S.backward > kExplodeLimit) {
        for (int j = l; j >= 1; --j) {
          SeedLayer& E = out.layers[static_cast<size_t>(j - 1)];
          E.backward = E.backward_single = std::numeric_limits<double>::infinity();
          E.weight_grad = kNaN;
          E.distinct_gradients = -1;
          E.backward_status = LayerStatus::kExploded;
        }
        tick_(l);
        return;
      }
      S.backward_status = LayerStatus::kOk;
      if (S.backward < kVanishLimit) {
        S.backward_status = LayerStatus::kVanished;
        delta.setZero();
      }
      const std::vector<double>& hs = hsq[static_cast<size_t>(l - 1)];
      double wg = 0;
      for (int64_t b = 0; b < B; ++b) {
        wg += per[static_cast<size_t>(b)] * hs[static_cast<size_t>(b)];
      }
      S.weight_grad = S.backward_status == LayerStatus::kVanished ? 0.0 : wg / static_cast<double>(B);
      const bool delta_zero = AllZero(delta);
      S.weight_grad_zero = delta_zero || h_prev_zero[static_cast<size_t>(l - 1)];
      S.distinct_gradients =
          count_distinct_rows(delta.data(), n, B, kDistinctRelTol * std::sqrt(S.backward));
      d_zero = delta_zero;
      tick_(1);
    }
  }

 private:
  Tensor DrawWeights(uint64_t seed, int l) const {
    return fill(c_.weights, Shape2(c_.width, c_.width), DType::kF64,
                {seed, static_cast<uint64_t>(l), 1});
  }

  const SimulationConfig& c_;
  bool store_;
  std::function<void(int64_t)> tick_;
  Scheme normal1_, bias_;
};

}  // namespace

int64_t count_distinct_rows(const double* m, int64_t rows, int64_t cols, double tol) {
  if (rows <= 0) return 0;
  if (cols <= 0) return 1;
  std::vector<int64_t> order(static_cast<size_t>(rows));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::sort(order.begin(), order.end(), [m](int64_t a, int64_t b) {
    return m[a] < m[b] || (m[a] == m[b] && a < b);
  });
  auto same = [&](int64_t a, int64_t b) {
    for (int64_t j = 0; j < cols; ++j) {
      if (!(std::fabs(m[a + j * rows] - m[b + j * rows]) <= tol)) return false;
    }
    return true;
  };
  int64_t count = 0;
  std::vector<int64_t> reps;
  size_t s = 0;
  while (s < order.size()) {
    // A group: consecutive (in column 0) rows chained within tol.
    size_t e = s + 1;
    while (e < order.size() && m[order[e]] - m[order[e - 1]] <= tol) ++e;
    reps.clear();
    for (size_t i = s; i < e; ++i) {
      bool found = false;
      for (int64_t r : reps) {
        if (same(order[i], r)) {
          found = true;
          break;
        }
      }
      if (!found) reps.push_back(order[i]);
    }
    count += static_cast<int64_t>(reps.size());
    s = e;
  }
  return count;
}

SimulationResult simulate(const SimulationConfig& c) {
  if (c.depth < 1 || c.depth > 100000) throw Error("depth must be in [1, 100000]");
  if (c.width < 1 || c.width > 65536) throw Error("width must be in [1, 65536]");
  if (c.batch < 1 || c.batch > (int64_t{1} << 24)) throw Error("batch must be in [1, 2^24]");
  if (c.seeds < 1 || c.seeds > 1000000) throw Error("seeds must be in [1, 1000000]");
  if (!(c.bias_std >= 0) || !std::isfinite(c.bias_std)) {
    throw Error("bias std must be finite and >= 0");
  }
  (void)plan_fill(c.weights, Shape2(c.width, c.width));  // throws for unusable schemes

  const int threads = std::min(resolve_threads(c.threads), c.seeds);
  const double n = static_cast<double>(c.width), B = static_cast<double>(c.batch);
  const double L = static_cast<double>(c.depth);
  const double weight_bytes = L * n * n * 8.0 * threads;
  const bool store = weight_bytes <= static_cast<double>(c.weight_memory_budget);
  const double per_net = (L + 6.0) * n * B * 8.0 + 3.0 * n * n * 8.0;
  const double total = per_net * threads + (store ? weight_bytes : 0.0);
  if (total > 8.0 * (1 << 30)) {
    throw Error("this run would need " + std::to_string(static_cast<int64_t>(total / (1 << 20))) +
                " MiB (depth x width x batch too large); reduce --batch, --width or --threads");
  }
  Eigen::setNbThreads(1);

  const auto t0 = std::chrono::steady_clock::now();
  SimulationResult result;
  result.runs.resize(static_cast<size_t>(c.seeds));
  std::mutex mu;
  int64_t done = 0;
  const int64_t work = int64_t{2} * c.depth * c.seeds;
  auto tick = [&](int64_t units) {
    if (!c.progress) return;
    std::lock_guard<std::mutex> lock(mu);
    done += units;
    c.progress(done, work);
  };
  // One task per network (grain 1, simple_partitioner: the split of seeds into
  // tasks is fixed), each writing only its own slot of result.runs; nothing is
  // reduced across networks here, so the result is the same for any thread
  // count. The arena caps the threads at --threads.
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<int>(0, c.seeds, 1),
        [&](const tbb::blocked_range<int>& range) {
          Runner runner(c, store, tick);
          for (int k = range.begin(); k < range.end(); ++k) {
            runner.Run(k, result.runs[static_cast<size_t>(k)]);
          }
        },
        tbb::simple_partitioner());
  });
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace initcheck::propagation
