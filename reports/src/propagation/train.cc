// SGD training of a small MLP on a synthetic task (see train.h).
#include "initcheck/propagation/train.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "initcheck/error.h"
#include "initcheck/fill.h"

namespace initcheck::propagation {
namespace {

using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::VectorXf;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Streams of the task (data_seed) and of a run (seed).
constexpr uint64_t kTrainInputStream = 1, kTestInputStream = 2, kTeacher1Stream = 3,
                   kTeacher2Stream = 4, kBatchStream = 1000;

Geometry Shape2(int64_t a, int64_t b) {
  Geometry g;
  g.shape = {a, b};
  return g;
}

// Inputs as a column-major d x N matrix (a row-major [N, d] fill).
Mat Inputs(int64_t n, int64_t d, uint64_t seed, uint64_t stream) {
  const Tensor t =
      fill(Scheme::parse("normal(mean=0, std=1)"), Shape2(n, d), DType::kF32, {seed, stream, 1});
  return Eigen::Map<const Mat>(t.as<float>(), d, n);
}

struct Task {
  Mat x_train, x_test;               // d x N
  std::vector<int> y_train, y_test;  // classification
  Mat t_train, t_test;               // regression targets, 1 x N
};

Task MakeTask(const TrainConfig& c) {
  Task t;
  const int64_t d = c.input_dim, h = c.teacher_width;
  t.x_train = Inputs(c.train_size, d, c.data_seed, kTrainInputStream);
  t.x_test = Inputs(c.test_size, d, c.data_seed, kTestInputStream);
  const int64_t out = c.task == TaskKind::kClassification ? c.classes : 1;
  const Tensor t1 = fill(Scheme::parse("normal(mean=0, std=" +
                                       format_number(c.teacher_scale / std::sqrt(double(d))) + ")"),
                         Shape2(h, d), DType::kF64, {c.data_seed, kTeacher1Stream, 1});
  const Tensor t2 =
      fill(Scheme::parse("normal(mean=0, std=" + format_number(1 / std::sqrt(double(h))) + ")"),
           Shape2(out, h), DType::kF64, {c.data_seed, kTeacher2Stream, 1});
  using DRow = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const DRow> T1(t1.as<double>(), h, d), T2(t2.as<double>(), out, h);
  auto label = [&](const Mat& x, std::vector<int>& y, Mat& target) {
    const Eigen::MatrixXd u = T1 * x.cast<double>();
    if (c.task == TaskKind::kClassification) {
      const Eigen::MatrixXd s = T2 * u.cwiseMax(0.0);
      y.resize(static_cast<size_t>(x.cols()));
      for (int64_t b = 0; b < x.cols(); ++b) {
        Eigen::Index arg = 0;
        s.col(b).maxCoeff(&arg);
        y[static_cast<size_t>(b)] = static_cast<int>(arg);
      }
    } else {
      target = (T2 * u.array().tanh().matrix()).cast<float>();
    }
  };
  label(t.x_train, t.y_train, t.t_train);
  label(t.x_test, t.y_test, t.t_test);
  return t;
}

class Mlp {
 public:
  Mlp(const TrainConfig& c) : c_(c), relu_(c.activation.kind() == ActivationKind::kRelu) {
    const int L = c.depth;
    dims_.push_back(c.input_dim);
    for (int l = 1; l < L; ++l) dims_.push_back(c.width);
    dims_.push_back(c.task == TaskKind::kClassification ? c.classes : 1);
    const Scheme scheme = Scheme::parse(c.init);
    for (int l = 1; l <= L; ++l) {
      const int64_t out = dims_[static_cast<size_t>(l)], in = dims_[static_cast<size_t>(l - 1)];
      const Tensor w =
          fill(scheme, Shape2(out, in), DType::kF32, {c.seed, static_cast<uint64_t>(l), 1});
      W_.push_back(Eigen::Map<const RowMat>(w.as<float>(), out, in));
      b_.push_back(Vec::Zero(out));
      vW_.push_back(RowMat::Zero(out, in));
      vb_.push_back(Vec::Zero(out));
    }
  }

  int depth() const { return c_.depth; }
  const RowMat& W(int l) const { return W_[static_cast<size_t>(l - 1)]; }
  const Vec& b(int l) const { return b_[static_cast<size_t>(l - 1)]; }

  // Forward pass; keeps z^l, h^l for backward. Returns the output z^L.
  const Mat& Forward(const Mat& x) {
    const int L = c_.depth;
    z_.resize(static_cast<size_t>(L));
    h_.resize(static_cast<size_t>(L));
    const Mat* in = &x;
    for (int l = 1; l <= L; ++l) {
      Mat& z = z_[static_cast<size_t>(l - 1)];
      Product(W(l), *in, z);
      z.colwise() += b(l);
      if (l < L) {
        Mat& h = h_[static_cast<size_t>(l - 1)];
        if (relu_) {
          h = z.cwiseMax(0.0f);  // exact, like relu.value()
        } else {
          h.resize(z.rows(), z.cols());
          for (int64_t i = 0; i < z.size(); ++i) {
            h.data()[i] = static_cast<float>(c_.activation.value(z.data()[i]));
          }
        }
        in = &h;
      }
    }
    x_ = &x;
    return z_.back();
  }

  // Backward from dL/dz^L and one SGD-with-momentum step; grad_rms (if not
  // null) receives the RMS of each layer's weight gradient.
  void BackwardAndStep(Mat dz, std::vector<double>* grad_rms = nullptr) {
    if (grad_rms) grad_rms->assign(static_cast<size_t>(c_.depth), 0.0);
    const int L = c_.depth;
    const float lr = static_cast<float>(c_.learning_rate), mu = static_cast<float>(c_.momentum);
    Mat dh;
    for (int l = L; l >= 1; --l) {
      const Mat& hprev = l > 1 ? h_[static_cast<size_t>(l - 2)] : *x_;
      RowMat gW;
      OuterSum(dz, hprev, gW);
      const Vec gb = dz.rowwise().sum();
      if (grad_rms) {
        double ss = 0;
        for (int64_t i = 0; i < gW.size(); ++i) ss += double(gW.data()[i]) * gW.data()[i];
        (*grad_rms)[static_cast<size_t>(l - 1)] = std::sqrt(ss / double(gW.size()));
      }
      if (l > 1) {
        TransposedProduct(W(l), dz, dh);
        const Mat& zprev = z_[static_cast<size_t>(l - 2)];
        dz.resize(dh.rows(), dh.cols());
        if (relu_) {
          // relu'(z) = 1 for z > 0, else 0 (PyTorch's convention at 0).
          for (int64_t i = 0; i < dh.size(); ++i) {
            dz.data()[i] = zprev.data()[i] > 0.0f ? dh.data()[i] : 0.0f;
          }
        } else {
          for (int64_t i = 0; i < dh.size(); ++i) {
            dz.data()[i] =
                dh.data()[i] * static_cast<float>(c_.activation.derivative(zprev.data()[i]));
          }
        }
      }
      const auto k = static_cast<size_t>(l - 1);
      vW_[k] = mu * vW_[k] + gW;
      vb_[k] = mu * vb_[k] + gb;
      W_[k] -= lr * vW_[k];
      b_[k] -= lr * vb_[k];
    }
  }

 private:
  // z = W h (out x B).
  void Product(const RowMat& W, const Mat& h, Mat& z) const {
    if (!c_.exact_symmetry) {
      z.noalias() = W * h;
      return;
    }
    z.resize(W.rows(), h.cols());
    for (int64_t b = 0; b < h.cols(); ++b) {
      for (int64_t i = 0; i < W.rows(); ++i) {
        float acc = 0;
        for (int64_t k = 0; k < W.cols(); ++k) acc += W(i, k) * h(k, b);
        z(i, b) = acc;
      }
    }
  }
  // dh = W^T dz (in x B).
  void TransposedProduct(const RowMat& W, const Mat& dz, Mat& dh) const {
    if (!c_.exact_symmetry) {
      dh.noalias() = W.transpose() * dz;
      return;
    }
    dh.resize(W.cols(), dz.cols());
    for (int64_t b = 0; b < dz.cols(); ++b) {
      for (int64_t k = 0; k < W.cols(); ++k) {
        float acc = 0;
        for (int64_t i = 0; i < W.rows(); ++i) acc += W(i, k) * dz(i, b);
        dh(k, b) = acc;
      }
    }
  }
  // gW = dz h^T (out x in), summed over the batch.
  void OuterSum(const Mat& dz, const Mat& h, RowMat& gW) const {
    if (!c_.exact_symmetry) {
      gW.noalias() = dz * h.transpose();
      return;
    }
    gW.resize(dz.rows(), h.rows());
    for (int64_t i = 0; i < dz.rows(); ++i) {
      for (int64_t k = 0; k < h.rows(); ++k) {
        float acc = 0;
        for (int64_t b = 0; b < dz.cols(); ++b) acc += dz(i, b) * h(k, b);
        gW(i, k) = acc;
      }
    }
  }

  const TrainConfig& c_;
  bool relu_;
  std::vector<int64_t> dims_;
  std::vector<RowMat> W_, vW_;
  std::vector<Vec> b_, vb_;
  std::vector<Mat> z_, h_;
  const Mat* x_ = nullptr;
};

// Loss of outputs f (out x B) and dL/df, for the examples `cols` of the task.
double Loss(const TrainConfig& c, const Mat& f, const std::vector<int>& y, const Mat& t, Mat* grad,
            int64_t* errors) {
  const int64_t B = f.cols();
  double loss = 0;
  if (grad) grad->resize(f.rows(), B);
  int64_t wrong = 0;
  for (int64_t b = 0; b < B; ++b) {
    if (c.task == TaskKind::kClassification) {
      const int label = y[static_cast<size_t>(b)];
      double m = f(0, b);
      Eigen::Index arg = 0;
      for (Eigen::Index i = 1; i < f.rows(); ++i) {
        if (f(i, b) > m) {
          m = f(i, b);
          arg = i;
        }
      }
      wrong += arg != label;
      double z = 0;
      for (Eigen::Index i = 0; i < f.rows(); ++i) z += std::exp(double(f(i, b)) - m);
      loss += std::log(z) + m - f(label, b);
      if (grad) {
        for (Eigen::Index i = 0; i < f.rows(); ++i) {
          const double p = std::exp(double(f(i, b)) - m) / z;
          (*grad)(i, b) = static_cast<float>((p - (i == label ? 1.0 : 0.0)) / double(B));
        }
      }
    } else {
      const double e = double(f(0, b)) - double(t(0, b));
      loss += 0.5 * e * e;
      if (grad) (*grad)(0, b) = static_cast<float>(e / double(B));
    }
  }
  if (errors) *errors = wrong;
  return loss / double(B);
}

}  // namespace

TrainResult train_mlp(const TrainConfig& c) {
  if (c.depth < 1 || c.depth > 1000) throw Error("training depth must be in [1, 1000]");
  if (c.width < 1 || c.input_dim < 1 || c.batch < 1 || c.train_size < 1 || c.test_size < 1 ||
      c.teacher_width < 1 || (c.task == TaskKind::kClassification && c.classes < 2)) {
    throw Error("training sizes must be >= 1 (classes >= 2)");
  }
  if (c.steps < 0 || c.eval_every < 1) throw Error("training steps must be >= 0, eval_every >= 1");
  if (!(c.learning_rate > 0) || !(c.momentum >= 0 && c.momentum < 1)) {
    throw Error("learning rate must be > 0 and momentum in [0, 1)");
  }
  const Task task = MakeTask(c);
  Mlp net(c);
  TrainResult r;
  const int hidden = c.depth - 1;
  r.unit_spread.assign(static_cast<size_t>(hidden), {});
  r.distinct_units.assign(static_cast<size_t>(hidden), {});

  // Baseline: best constant prediction, fitted on the training set.
  if (c.task == TaskKind::kClassification) {
    std::vector<double> freq(static_cast<size_t>(c.classes), 0.0);
    for (int y : task.y_train) freq[static_cast<size_t>(y)] += 1.0;
    double loss = 0;
    for (int y : task.y_test) {
      loss -= std::log(std::max(freq[static_cast<size_t>(y)], 0.5) / double(c.train_size));
    }
    r.baseline_loss = loss / double(c.test_size);
  } else {
    const double mean = task.t_train.cast<double>().mean();
    r.baseline_loss = 0.5 * (task.t_test.cast<double>().array() - mean).square().mean();
  }

  auto evaluate = [&](int step, double train_loss) {
    r.step.push_back(step);
    int64_t wrong = 0;
    const Mat& f = net.Forward(task.x_test);
    const double test = Loss(c, f, task.y_test, task.t_test, nullptr, &wrong);
    r.test_loss.push_back(test);
    r.test_error.push_back(c.task == TaskKind::kClassification ? double(wrong) / double(c.test_size)
                                                               : kNaN);
    if (std::isnan(train_loss)) {
      train_loss = Loss(c, net.Forward(task.x_train), task.y_train, task.t_train, nullptr, nullptr);
    }
    r.train_loss.push_back(train_loss);
    for (int l = 1; l <= hidden; ++l) {
      const RowMat& W = net.W(l);
      const Vec& b = net.b(l);
      const int64_t n = W.rows(), m = W.cols();
      // Mean incoming vector, then the RMS distance from it (double sums).
      std::vector<double> mean(static_cast<size_t>(m + 1), 0.0);
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t k = 0; k < m; ++k) mean[static_cast<size_t>(k)] += W(i, k);
        mean[static_cast<size_t>(m)] += b(i);
      }
      for (double& v : mean) v /= double(n);
      double ss = 0;
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t k = 0; k < m; ++k) {
          const double d = W(i, k) - mean[static_cast<size_t>(k)];
          ss += d * d;
        }
        const double d = b(i) - mean[static_cast<size_t>(m)];
        ss += d * d;
      }
      r.unit_spread[static_cast<size_t>(l - 1)].push_back(std::sqrt(ss / double(n)));
      // Distinct rows (exact equality of [W_i, b_i]).
      std::vector<int64_t> order(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
      auto row_less = [&](int64_t a, int64_t bb) {
        for (int64_t k = 0; k < m; ++k) {
          if (W(a, k) != W(bb, k)) return W(a, k) < W(bb, k);
        }
        return b(a) < b(bb);
      };
      std::sort(order.begin(), order.end(), row_less);
      int64_t distinct = n > 0 ? 1 : 0;
      for (size_t i = 1; i < order.size(); ++i) {
        distinct += row_less(order[i - 1], order[i]) ? 1 : 0;
      }
      r.distinct_units[static_cast<size_t>(l - 1)].push_back(distinct);
    }
    return std::isfinite(test) && std::isfinite(train_loss);
  };

  evaluate(0, kNaN);
  const Tensor u = fill(Scheme::parse("uniform(a=0, b=1)"), Shape2(std::max(c.steps, 1), c.batch),
                        DType::kF64, {c.seed, kBatchStream, 1});
  const double* ud = u.as<double>();
  Mat xb(c.input_dim, c.batch), tb(1, c.batch), grad;
  std::vector<int> yb(static_cast<size_t>(c.batch));
  double window = 0;
  int in_window = 0;
  for (int s = 1; s <= c.steps; ++s) {
    for (int64_t b = 0; b < c.batch; ++b) {
      const double v = ud[(s - 1) * c.batch + b];
      const auto idx =
          std::min<int64_t>(c.train_size - 1, static_cast<int64_t>(v * double(c.train_size)));
      xb.col(b) = task.x_train.col(idx);
      if (c.task == TaskKind::kClassification) {
        yb[static_cast<size_t>(b)] = task.y_train[static_cast<size_t>(idx)];
      } else {
        tb(0, b) = task.t_train(0, idx);
      }
    }
    const Mat& f = net.Forward(xb);
    const double loss = Loss(c, f, yb, tb, &grad, nullptr);
    window += loss;
    ++in_window;
    if (!std::isfinite(loss)) {
      r.diverged = true;
      evaluate(s, loss);
      break;
    }
    net.BackwardAndStep(grad, s == 1 ? &r.initial_grad_rms : nullptr);
    if (s % c.eval_every == 0 || s == c.steps) {
      if (!evaluate(s, window / in_window)) {
        r.diverged = true;
        break;
      }
      window = 0;
      in_window = 0;
    }
  }
  return r;
}

}  // namespace initcheck::propagation
