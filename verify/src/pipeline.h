// Internal: the battery's per-tensor pipeline (verify/src/pipeline.cc,
// order_tests.cc). Not installed.
//
// One tensor is read a few times in fixed blocks, never widened to a double
// copy:
//   1. ScanValues      storage order: finite check, moments (one pass; each
//                      block's central sums about its own mean, merged by
//                      Chan/Pebay's update formulas in long double).
//   2. SortedValues    one sorted copy in the storage precision (f32: 4 bytes
//                      per value; f64: 8), or for 16-bit formats a histogram
//                      of the 65536 bit patterns (no copy at all).
//   3. SummarizeSorted the PIT of each sorted value, computed once per value
//                      in blocks of kBlock (SIMD, kernels.h), streamed into
//                      KS, Anderson-Darling, chi-square, the support counts,
//                      the extremes, ties and the median (GofSummary), with
//                      no cdf/sf arrays.
//   4. order_tests.cc  storage order again: serial correlation, runs, row
//                      correlations and the exact duplicate counts (rows,
//                      repeated windows), reusing the sorted copy's memory.
// Peak memory for f32 input: the input (4 bytes per value) + the sorted copy
// or the window tags (4) + O(n / kBlock).
//
// Other tests plug in at the same places: a pass over storage order with
// ParallelTasks + Values::Read, or over the sorted values with
// SortedValues::Read, and a per-task slot combined in index order.
#ifndef INITCHECK_VERIFY_SRC_PIPELINE_H_
#define INITCHECK_VERIFY_SRC_PIPELINE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "initcheck/dtype.h"
#include "initcheck/verify/chi_square.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/gof.h"
#include "initcheck/verify/moments.h"
#include "initcheck/verify/result.h"

namespace initcheck::verify::internal {

// Uninitialized storage (no page is touched before it is written). Large
// buffers are 2 MiB-aligned and advised for transparent huge pages, so the
// kernel maps them in 2 MiB faults instead of 4 KiB ones (a 40 MiB sort
// buffer: 20 faults instead of 10240, ~15 ms less on the dev machine).
class RawBuffer {
 public:
  RawBuffer() = default;
  explicit RawBuffer(size_t bytes);
  size_t bytes() const { return bytes_; }
  template <class T>
  T* as() const {
    return reinterpret_cast<T*>(p_.get());
  }
  void reset() {
    p_.reset();
    bytes_ = 0;
  }

 private:
  struct Free {
    void operator()(std::byte* p) const;
  };
  std::unique_ptr<std::byte, Free> p_;
  size_t bytes_ = 0;
};

// A tensor's values in storage order, read as doubles.
struct Values {
  const void* data = nullptr;
  DType dtype = DType::kF64;
  size_t n = 0;

  void Read(size_t i, size_t m, double* out) const;
  double At(size_t i) const;
  // out[c * len + j] = value idx[c] + j, for c < k, j < len.
  void Gather(const size_t* idx, size_t k, size_t len, double* out) const;
};

// rounding.h's count_off_grid and narrower_source_dtype on a tensor in its
// storage format (blockwise; the detection stops at the first value off a
// candidate grid).
int64_t CountOffGrid(const Values& v, ValueGrid grid);
std::optional<DType> NarrowerSourceDtype(const Values& v, DType storage);

// 1. Finite check and moments (over the finite values).
struct ValueScan {
  int64_t n_nan = 0;
  int64_t n_inf = 0;
  int64_t first_nonfinite = -1;
  Moments moments;
  // Central sum of squares about the mean (M2 = variance * (n - 1)).
  double m2 = 0;
};
ValueScan ScanValues(const Values& v);

// 2. The sorted sample (finite values only).
class SortedValues {
 public:
  static SortedValues Make(const Values& v);
  size_t size() const { return n_; }
  double At(size_t i) const;
  void Read(size_t i, size_t m, double* out) const;
  double Median() const;
  // The sorted copy (nullptr unless that is the form).
  const float* f32() const { return kind_ == 0 ? buf_.as<float>() : nullptr; }
  const double* f64() const { return kind_ == 1 ? buf_.as<double>() : nullptr; }
  // 16-bit formats: the distinct values, ascending, with their counts.
  bool histogram() const { return kind_ == 2; }
  struct Run {
    double value;
    int64_t count;
  };
  const std::vector<Run>& runs() const { return runs_; }
  // The sorted storage, given up (the caller reuses it; the object is then
  // empty). Empty for the histogram form.
  RawBuffer Release();

 private:
  size_t n_ = 0;
  int kind_ = 0;  // 0: f32 copy, 1: f64 copy, 2: histogram
  RawBuffer buf_;
  std::vector<Run> runs_;
  std::vector<int64_t> starts_;  // histogram: first rank of each run
};

// A filter for the exact duplicate counts: a bitmap of 2^k bits with the
// bit TieIndex(v, k) (kernels.h) set for every value v that occurs more
// than once. Equal windows or rows consist of tied values only, so an item
// with a value whose bit is clear cannot repeat: under H0 only a few
// percent of the windows (and no row) pass, and only those are hashed and
// compared. (Built when the sorted values are scanned for ties.)
struct TieFilter {
  int k = 0;
  std::vector<uint64_t> bitmap;
  double tied_fraction = 0;  // values in runs of >= 2 equal values, / n
  double fill = 0;           // fraction of the bitmap's bits set
  // Expected fraction of w-windows whose values all pass the filter.
  double WindowPassRate(int w) const;
};

// 3. The order-statistic summary (gof.h) of the sorted sample against the
// target, with the same PIT rules as make_gof_input (grid cells, the
// randomized PIT and its sorting within ties); fills `filter` if given.
GofSummary SummarizeSorted(const SortedValues& s, const Distribution& target,
                           ValueGrid grid, TieFilter* filter = nullptr);

// The shared block reduction of KS, AD, chi-square and the PIT edge counts
// (used by SummarizeSorted and summarize_gof, so both give the same bits).
struct GofPartial {
  double d_plus = -1e300, d_minus = -1e300;
  int64_t i_plus = -1, i_minus = -1;
  int64_t n_edge = 0;
  long double ad = 0;
  int64_t lead_zero = 0;  // leading values with u <= 0
  bool all_zero = true;
  int64_t trail_one = 0;  // trailing values with s <= 0
  bool all_one = true;
  int64_t size = 0;
  std::array<int64_t, kChiSquareMaxBins + 1> cut{};  // per cut j: !pred_j
};
// Block [i0, i0 + m) of a sample of n values with PIT u and 1 - PIT s;
// `bins` equiprobable chi-square bins (0: none).
void GofBlockInto(const double* u, const double* s, size_t m, int64_t i0,
                  int64_t n, int bins, GofPartial* p);
// parts[t] covers [t kTask, (t+1) kTask). Sets the KS, AD, chi-square and
// PIT-edge fields of out (out->n must be set).
void FinishGof(const std::vector<GofPartial>& parts, int bins,
               GofSummary* out);

// Exact count of pairs of equal adjacent values in sorted order:
// sum over runs of C(m, 2). x sorted, length n.
uint64_t TiedPairsF32(const float* x, size_t n);
uint64_t TiedPairsF64(const double* x, size_t n);

// 4. Storage-order tests (order_tests.cc).
struct RunsCount {
  int64_t above = 0, below = 0, runs = 0;
};
// One pass in storage order: the multi-lag autocorrelation test over
// `lags` about `mean` ("serial_correlation", independence.h
// lag_correlation_test), the runs about `median`, and (with a filter) each
// value's filter bit.
struct OrderPass {
  TestResult serial;
  RunsCount runs;
  std::vector<uint64_t> tied;  // bit i: value i passes the tie filter
};
OrderPass StorageOrderPass(const Values& v, double mean, double median,
                           const TieFilter* filter,
                           std::span<const int64_t> lags);

// The autocorrelations r_k = sum_{i<n-k} (x_i - mean)(x_{i+k} - mean) /
// sum_i (x_i - mean)^2 of finite values for each lag (>= 1), blockwise in
// storage order (no copy of the tensor): per task of kTask values, the
// centred values and the lags' look-ahead are held in float32 (lag_kernel.h);
// lags 1..64 in one kernel vectorized over the lag, lags up to 4096 as dot
// products in that buffer, longer lags read from the tensor. NaN for every
// lag when the sum of squares is 0.
std::vector<double> Autocorrelations(const Values& v,
                                     std::span<const int64_t> lags,
                                     double mean);
// lag_correlation_test's result from the r_k of n values.
TestResult LagCorrelationResult(const std::vector<double>& rk,
                                std::span<const int64_t> lags, int64_t n);

// Normal scores Phi^-1(F(x)) in place, F the target's cdf clamped to
// [2^-26, 1 - 2^-26] (independence.h, row_correlation_tests).
void NormalScores(const Distribution& f, double* x, size_t m);
RunsCount CountRuns(const Values& v, double threshold);
TestResult RunsResult(const RunsCount& c, size_t n, double median);

TestResult SerialCorrelation(const Values& v, int64_t lag, double mean,
                             double m2);

struct RowCorrelation {
  TestResult mean, max_abs;
};
// Given `marginal` (a non-normal target), on the values' normal scores.
RowCorrelation RowCorrelations(const Values& v, int64_t rows, int64_t cols,
                               const Distribution* marginal = nullptr);

// Exact counts of equal items: windows of w consecutive values (stride 1)
// or rows (stride = length = cols). Classes of exactly equal items are
// found by hashing (bucket, tag) into a scatter buffer (4 bytes per item;
// `buffer` is used when it has room) and verified value by value.
struct EqualItems {
  int64_t pairs = 0;       // sum over classes of C(size, 2)
  int64_t duplicates = 0;  // sum over classes of (size - 1)
  int64_t example_a = -1, example_b = -1;  // the closest equal pair
};
// `tied` (StorageOrderPass's bits): only items whose values all pass the
// filter are candidates (exact: a repeated item's values are all tied).
EqualItems CountEqualWindows(const Values& v, int w, RawBuffer* buffer,
                             const std::vector<uint64_t>* tied = nullptr);
EqualItems CountEqualRows(const Values& v, int64_t rows, int64_t cols,
                          RawBuffer* buffer,
                          const std::vector<uint64_t>* tied = nullptr);

TestResult WindowsResult(const EqualItems& e, size_t n, int w, double lambda);
int ChooseWindow(size_t n, double tie_p, int window);
double WindowsLambda(double n_windows, double tie_p, int w);
TestResult DuplicateRowsResult(const EqualItems& e, int64_t rows,
                               int64_t cols, double tie_p);

}  // namespace initcheck::verify::internal

#endif  // INITCHECK_VERIFY_SRC_PIPELINE_H_
