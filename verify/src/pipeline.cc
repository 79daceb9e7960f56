// The battery's per-tensor pipeline, steps 1-3 (see pipeline.h).
#include "pipeline.h"

#include <sys/mman.h>
#include <tbb/combinable.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <limits>
#include <map>
#include <new>

#include "hwy/contrib/sort/vqsort.h"
#include "initcheck/error.h"
#include "kernels.h"
#include "parallel_blocks.h"
#include "pit_uniform.h"

namespace initcheck::verify::internal {
namespace {


// ------------------------------------------------------------ moments

// Count, mean and central sums of a set of values, merged by the update
// formulas of Chan, Golub & LeVeque (1983) for M2 and Pebay (2008, Sandia
// report SAND2008-6212) for M3 and M4, in long double.
struct Central {
  long double n = 0, mean = 0, m2 = 0, m3 = 0, m4 = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();

  static Central FromBlock(size_t m, const MomentBlock& b) {
    Central c;
    const long double nn = static_cast<long double>(m);
    // The block's sums are about its rounded mean; c = s1/m moves them to
    // the exact mean (the binomial shift of compute_moments).
    const long double sh = static_cast<long double>(b.s1) / nn;
    const long double sh2 = sh * sh;
    const long double s2 = b.s2, s3 = b.s3, s4 = b.s4;
    c.n = nn;
    c.mean = static_cast<long double>(b.mean) + sh;
    c.m2 = s2 - nn * sh2;
    c.m3 = s3 - 3 * sh * s2 + 2 * nn * sh2 * sh;
    c.m4 = s4 - 4 * sh * s3 + 6 * sh2 * s2 - 3 * nn * sh2 * sh2;
    c.min = b.min;
    c.max = b.max;
    return c;
  }

  void Merge(const Central& b) {
    if (b.n == 0) return;
    if (n == 0) {
      *this = b;
      return;
    }
    const long double na = n, nb = b.n, nt = na + nb;
    const long double d = b.mean - mean;
    const long double d2 = d * d;
    const long double nab = na * nb;
    const long double m2n = m2 + b.m2 + d2 * nab / nt;
    const long double m3n = m3 + b.m3 + d2 * d * nab * (na - nb) / (nt * nt) +
                            3 * d * (na * b.m2 - nb * m2) / nt;
    const long double m4n =
        m4 + b.m4 + d2 * d2 * nab * (na * na - nab + nb * nb) / (nt * nt * nt) +
        6 * d2 * (na * na * b.m2 + nb * nb * m2) / (nt * nt) +
        4 * d * (na * b.m3 - nb * m3) / nt;
    mean += d * nb / nt;
    m2 = m2n;
    m3 = m3n;
    m4 = m4n;
    n = nt;
    min = std::min(min, b.min);
    max = std::max(max, b.max);
  }
};

struct ScanPart {
  Central c;
  int64_t n_nan = 0, n_inf = 0, first_bad = -1;
};

}  // namespace

// ------------------------------------------------------------- RawBuffer

RawBuffer::RawBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  constexpr size_t kHuge = size_t{2} << 20;
  if (bytes >= 2 * kHuge) {
    const size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
    void* p = std::aligned_alloc(kHuge, rounded);
    if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    ::madvise(p, rounded, MADV_HUGEPAGE);
#endif
    p_.reset(static_cast<std::byte*>(p));
  } else {
    void* p = std::malloc(bytes);
    if (p == nullptr) throw std::bad_alloc();
    p_.reset(static_cast<std::byte*>(p));
  }
}

void RawBuffer::Free::operator()(std::byte* p) const { std::free(p); }

// ---------------------------------------------------------------- Values

void Values::Read(size_t i, size_t m, double* out) const {
  DecodeToDouble(static_cast<const std::byte*>(data) + i * dtype_size(dtype),
                 dtype, m, out);
}

void Values::Gather(const size_t* idx, size_t k, size_t len,
                    double* out) const {
  switch (dtype) {
    case DType::kF32: {
      const float* p = static_cast<const float*>(data);
      for (size_t c = 0; c < k; ++c)
        for (size_t j = 0; j < len; ++j) out[c * len + j] = p[idx[c] + j];
      return;
    }
    case DType::kF64: {
      const double* p = static_cast<const double*>(data);
      for (size_t c = 0; c < k; ++c)
        for (size_t j = 0; j < len; ++j) out[c * len + j] = p[idx[c] + j];
      return;
    }
    default:
      for (size_t c = 0; c < k; ++c) Read(idx[c], len, out + c * len);
  }
}

double Values::At(size_t i) const {
  double v;
  Read(i, 1, &v);
  return v;
}

ValueScan ScanValues(const Values& v) {
  const size_t tasks = TaskCount(v.n);
  std::vector<ScanPart> parts(tasks);
  ParallelTasks(tasks, [&](size_t t) {
    std::vector<double>& x = Scratch<double, 0>(kBlock);
    std::vector<double>& f = Scratch<double, 1>(kBlock);
    ScanPart& p = parts[t];
    const size_t end = std::min(v.n, (t + 1) * kTask);
    for (size_t b = t * kTask; b < end; b += kBlock) {
      const size_t m = std::min(kBlock, end - b);
      v.Read(b, m, x.data());
      const double* src = x.data();
      size_t cnt = m;
      if (CountNonFinite(x.data(), m) > 0) {
        cnt = 0;
        for (size_t i = 0; i < m; ++i) {
          if (std::isfinite(x[i])) {
            f[cnt++] = x[i];
            continue;
          }
          if (p.first_bad < 0) p.first_bad = static_cast<int64_t>(b + i);
          (std::isnan(x[i]) ? p.n_nan : p.n_inf) += 1;
        }
        src = f.data();
      }
      if (cnt == 0) continue;
      MomentBlock mb;
      BlockMoments(src, cnt, &mb);
      p.c.Merge(Central::FromBlock(cnt, mb));
    }
  });
  ValueScan out;
  Central c;
  for (const ScanPart& p : parts) {
    c.Merge(p.c);
    out.n_nan += p.n_nan;
    out.n_inf += p.n_inf;
    if (out.first_nonfinite < 0) out.first_nonfinite = p.first_bad;
  }
  Moments& m = out.moments;
  m.n = static_cast<int64_t>(c.n);
  m.n_nan = out.n_nan;
  if (m.n == 0) return out;
  m.min = c.min;
  m.max = c.max;
  m.mean = static_cast<double>(c.mean);
  out.m2 = static_cast<double>(c.m2);
  if (m.n >= 2) m.variance = static_cast<double>(c.m2 / (c.n - 1));
  if (m.n >= 2 && c.m2 > 0) {
    const long double m2 = c.m2 / c.n;
    m.skewness = static_cast<double>((c.m3 / c.n) / std::pow(m2, 1.5L));
    m.excess_kurtosis = static_cast<double>((c.m4 / c.n) / (m2 * m2) - 3);
  }
  return out;
}

// ----------------------------------------------------------- SortedValues

namespace {

const hwy::Sorter& ThreadSorter() {
  thread_local hwy::Sorter s;
  return s;
}

template <class T>
void SortInPlace(T* p, size_t n) {
  if (n < 2) return;
  if (n < 64 || (sizeof(T) == 8 && !hwy::Sorter::HaveFloat64())) {
    std::sort(p, p + n);
  } else {
    ThreadSorter()(p, n, hwy::SortAscending());
  }
}

// Sorted copy of finite values (canonical zeros). One thread: copy and
// vqsort. More: sample-based splitters cut the values into parts (a counting
// pass and a distribution pass over fixed input tasks, so the layout does not
// depend on the schedule), then each part is sorted on its own. The sorted
// order is unique, so the result is the same for any number of parts.
template <class T>
void SortedCopy(const T* in, size_t n, T* out) {
  const int threads = tbb::this_task_arena::max_concurrency();
  if (threads <= 1 || n < (size_t{1} << 18)) {
    if constexpr (sizeof(T) == 4) {
      CopyCanonicalF32(in, n, out);
    } else {
      CopyCanonicalF64(in, n, out);
    }
    SortInPlace(out, n);
    return;
  }
  // 2 x threads parts (a power of two, at most 64): each thread sorts a
  // couple of parts, and a value's part is a branch-free binary search.
  size_t parts = 2;
  while (parts < 2 * static_cast<size_t>(threads) && parts < 64) parts *= 2;
  // Splitters: quantiles of an evenly spaced sample; repeated splitters
  // leave parts empty (harmless).
  constexpr size_t kSample = 4096;
  std::vector<T> sample(kSample);
  for (size_t i = 0; i < kSample; ++i) {
    const T v = in[i * (n / kSample)];
    sample[i] = v == 0 ? T(0) : v;
  }
  std::sort(sample.begin(), sample.end());
  std::vector<T> split(parts);  // split[p - 1] starts part p; split[parts-1] unused
  for (size_t p = 1; p < parts; ++p) split[p - 1] = sample[p * kSample / parts];
  split[parts - 1] = std::numeric_limits<T>::infinity();
  const size_t np = parts;
  auto part_of = [&](T v) {
    size_t idx = 0;
    for (size_t step = parts / 2; step > 0; step /= 2)
      idx += v >= split[idx + step - 1] ? step : 0;
    return idx;
  };
  const size_t tasks = TaskCount(n);
  std::vector<size_t> counts(tasks * np, 0);
  // Up to kMaxVectorParts parts (4 threads), the passes are SIMD kernels
  // (every splitter compared per lane, masked compress stores): the scalar
  // binary search and scatter cost as much as sorting the parts.
  const bool vector = np <= kMaxVectorParts;
  ParallelTasks(tasks, [&](size_t t) {
    size_t* c = &counts[t * np];
    const size_t end = std::min(n, (t + 1) * kTask);
    if (vector) {
      PartCounts(in + t * kTask, end - t * kTask, split.data(), np, c);
      return;
    }
    for (size_t i = t * kTask; i < end; ++i) ++c[part_of(in[i])];
  });
  // Offsets: part p starts after all smaller parts; within it, task t after
  // the earlier tasks.
  std::vector<size_t> part_start(np + 1, 0);
  for (size_t p = 0; p < np; ++p) {
    size_t total = 0;
    for (size_t t = 0; t < tasks; ++t) total += counts[t * np + p];
    part_start[p + 1] = part_start[p] + total;
  }
  std::vector<size_t> offset(tasks * np);
  for (size_t p = 0; p < np; ++p) {
    size_t o = part_start[p];
    for (size_t t = 0; t < tasks; ++t) {
      offset[t * np + p] = o;
      o += counts[t * np + p];
    }
  }
  ParallelTasks(tasks, [&](size_t t) {
    size_t* o = &offset[t * np];
    const size_t end = std::min(n, (t + 1) * kTask);
    if (vector) {
      T* dst[kMaxVectorParts];
      for (size_t p = 0; p < np; ++p) dst[p] = out + o[p];
      PartScatter(in + t * kTask, end - t * kTask, split.data(), np, dst);
      return;
    }
    for (size_t i = t * kTask; i < end; ++i) {
      const T v = in[i] == 0 ? T(0) : in[i];
      out[o[part_of(v)]++] = v;
    }
  });
  ParallelTasks(np, [&](size_t p) {
    SortInPlace(out + part_start[p], part_start[p + 1] - part_start[p]);
  });
}

// The 65536 patterns of a 16-bit float format in ascending value order,
// skipping non-finite ones; -0 merged into +0.
template <class F>
void ForEachPatternAscending(DType dtype, F&& f) {
  auto finite = [&](uint16_t p) {
    const float v = dtype == DType::kF16 ? f16_to_f32(p) : bf16_to_f32(p);
    return std::isfinite(v);
  };
  for (uint32_t mag = 0x7FFF; mag >= 1; --mag) {
    const uint16_t p = static_cast<uint16_t>(0x8000u | mag);
    if (finite(p)) f(p);
  }
  f(uint16_t{0});
  for (uint32_t mag = 1; mag <= 0x7FFF; ++mag) {
    const uint16_t p = static_cast<uint16_t>(mag);
    if (finite(p)) f(p);
  }
}

}  // namespace

SortedValues SortedValues::Make(const Values& v) {
  SortedValues s;
  s.n_ = v.n;
  switch (v.dtype) {
    case DType::kF32:
      s.kind_ = 0;
      s.buf_ = RawBuffer(v.n * sizeof(float));
      SortedCopy(static_cast<const float*>(v.data), v.n, s.buf_.as<float>());
      break;
    case DType::kF64:
      s.kind_ = 1;
      s.buf_ = RawBuffer(v.n * sizeof(double));
      SortedCopy(static_cast<const double*>(v.data), v.n, s.buf_.as<double>());
      break;
    case DType::kF16:
    case DType::kBF16: {
      s.kind_ = 2;
      const uint16_t* in = static_cast<const uint16_t*>(v.data);
      tbb::combinable<std::vector<int64_t>> local(
          [] { return std::vector<int64_t>(65536, 0); });
      const size_t tasks = TaskCount(v.n);
      ParallelTasks(tasks, [&](size_t t) {
        std::vector<int64_t>& h = local.local();
        const size_t end = std::min(v.n, (t + 1) * kTask);
        for (size_t i = t * kTask; i < end; ++i) ++h[in[i]];
      });
      std::vector<int64_t> hist(65536, 0);
      local.combine_each([&](const std::vector<int64_t>& h) {
        for (size_t i = 0; i < 65536; ++i) hist[i] += h[i];
      });
      hist[0] += hist[0x8000];
      hist[0x8000] = 0;
      int64_t rank = 0;
      ForEachPatternAscending(v.dtype, [&](uint16_t p) {
        if (hist[p] == 0) return;
        const double value =
            v.dtype == DType::kF16 ? f16_to_f32(p) : bf16_to_f32(p);
        s.runs_.push_back({value, hist[p]});
        s.starts_.push_back(rank);
        rank += hist[p];
      });
      break;
    }
  }
  return s;
}

double SortedValues::At(size_t i) const {
  switch (kind_) {
    case 0:
      return buf_.as<float>()[i];
    case 1:
      return buf_.as<double>()[i];
    default: {
      const auto it = std::upper_bound(starts_.begin(), starts_.end(),
                                       static_cast<int64_t>(i));
      return runs_[static_cast<size_t>(it - starts_.begin()) - 1].value;
    }
  }
}

void SortedValues::Read(size_t i, size_t m, double* out) const {
  switch (kind_) {
    case 0:
      DecodeToDouble(buf_.as<float>() + i, DType::kF32, m, out);
      return;
    case 1:
      std::memcpy(out, buf_.as<double>() + i, m * sizeof(double));
      return;
    default: {
      auto it = std::upper_bound(starts_.begin(), starts_.end(),
                                 static_cast<int64_t>(i));
      size_t r = static_cast<size_t>(it - starts_.begin()) - 1;
      for (size_t j = 0; j < m; ++j) {
        while (starts_[r] + runs_[r].count <= static_cast<int64_t>(i + j)) ++r;
        out[j] = runs_[r].value;
      }
    }
  }
}

double SortedValues::Median() const {
  if (n_ == 0) return kNaN;
  const size_t mid = n_ / 2;
  double m = At(mid);
  if (n_ % 2 == 0) m = 0.5 * (m + At(mid - 1));
  return m;
}

RawBuffer SortedValues::Release() {
  RawBuffer b = std::move(buf_);
  n_ = 0;
  return b;
}

// ------------------------------------------------------------- tied pairs

namespace {

uint64_t Tri(uint64_t r) { return r * (r + 1) / 2; }

// Sum over maximal runs of 1 bits (length r) of r (r + 1) / 2, for a bit
// stream fed 64 bits at a time; a run continuing across words is carried.
struct RunOfOnes {
  uint64_t total = 0;
  uint64_t cur = 0;
  void Close() {
    total += Tri(cur);
    cur = 0;
  }
  void Feed(uint64_t w, int bits) {
    if (bits < 64) w &= (uint64_t{1} << bits) - 1;
    if (w == 0) {
      Close();
      return;
    }
    const uint64_t full = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
    if (w == full) {
      cur += static_cast<uint64_t>(bits);
      return;
    }
    // Trailing ones continue the carried run.
    const int lo = std::countr_one(w);
    cur += static_cast<uint64_t>(lo);
    Close();
    // Leading ones (up to bit bits-1) start the next carried run.
    const uint64_t top = w << (64 - bits);  // bit bits-1 at position 63
    const int hi = std::countl_one(top);
    uint64_t mid = w >> lo;  // bit 0 is now a 0
    const int mid_bits = bits - lo - hi;
    if (mid_bits > 0 && mid_bits < 64) mid &= (uint64_t{1} << mid_bits) - 1;
    // Each 1-run of length r inside contributes r (r + 1) / 2 = the number
    // of its all-ones substrings: count them by repeated AND-shift.
    for (uint64_t t = mid; t != 0; t &= t >> 1)
      total += static_cast<uint64_t>(std::popcount(t));
    cur = static_cast<uint64_t>(hi);
  }
};

// Ties of one stretch of sorted values: bit i = (x[i] == x[i+1]) over
// `nbits` pairs; runs of r ones are runs of r + 1 equal values, C(r+1, 2)
// pairs.
struct TiePart {
  uint64_t total = 0;  // sum of Tri over the runs, each closed at the ends
  uint64_t lead = 0, trail = 0, nbits = 0, ones = 0, runs = 0;
  bool all = true;
};

// on_run(value) for each run start when given (a run continuing from the
// previous stretch is reported again: harmless for the filter).
template <class T, class F>
TiePart TiesOf(const T* x, size_t nvals, std::vector<uint64_t>& bits,
               F* on_run) {
  TiePart p;
  if (nvals < 2) return p;
  const size_t pairs = nvals - 1;
  p.nbits = pairs;
  const size_t words = (pairs + 63) / 64;
  if (bits.size() < words) bits.resize(words);
  if constexpr (sizeof(T) == 4) {
    EqualAdjacentBitsF32(x, nvals, bits.data());
  } else {
    EqualAdjacentBitsF64(x, nvals, bits.data());
  }
  RunOfOnes acc;
  uint64_t prev_top = 0;
  bool leading = true;
  for (size_t w = 0; w < words; ++w) {
    const int nb = static_cast<int>(std::min<size_t>(64, pairs - w * 64));
    uint64_t word = bits[w];
    if (nb < 64) word &= (uint64_t{1} << nb) - 1;
    acc.Feed(word, nb);
    p.ones += static_cast<uint64_t>(std::popcount(word));
    if (leading) {
      const uint64_t full = nb == 64 ? ~uint64_t{0} : (uint64_t{1} << nb) - 1;
      if (word == full) {
        p.lead += static_cast<uint64_t>(nb);
      } else {
        p.lead += static_cast<uint64_t>(std::countr_one(word));
        leading = false;
        p.all = false;
      }
    }
    // Run starts: a 1 whose predecessor is 0.
    uint64_t starts = word & ~((word << 1) | prev_top);
    p.runs += static_cast<uint64_t>(std::popcount(starts));
    if (on_run) {
      for (; starts; starts &= starts - 1)
        (*on_run)(static_cast<double>(x[w * 64 + static_cast<size_t>(std::countr_zero(starts))]));
    }
    prev_top = nb == 64 ? (word >> 63) : 0;
  }
  p.trail = acc.cur;
  acc.Close();
  p.total = acc.total;
  return p;
}

// Sum of C(m, 2) over the runs of equal values, from the parts in order:
// a run split between parts adds the products of its pieces.
uint64_t MergeTies(const std::vector<TiePart>& parts) {
  uint64_t tied = 0, carry = 0;
  for (const TiePart& p : parts) {
    tied += p.total + carry * p.lead;
    carry = p.all ? carry + p.nbits : p.trail;
  }
  return tied;
}

}  // namespace

struct NoRun {
  void operator()(double) const {}
};

uint64_t TiedPairsF32(const float* x, size_t n) {
  std::vector<uint64_t> bits;
  return MergeTies({TiesOf(x, n, bits, static_cast<NoRun*>(nullptr))});
}
uint64_t TiedPairsF64(const double* x, size_t n) {
  std::vector<uint64_t> bits;
  return MergeTies({TiesOf(x, n, bits, static_cast<NoRun*>(nullptr))});
}

double TieFilter::WindowPassRate(int w) const {
  if (k == 0) return 1.0;
  const double pass = tied_fraction + (1 - tied_fraction) * fill;
  return std::pow(std::min(1.0, pass), w);
}

// ------------------------------------------------------- GoF reduction

void GofBlockInto(const double* u, const double* s, size_t m, int64_t i0,
                  int64_t n, int bins, GofPartial* p) {
  if (m == 0) return;
  GofBlock b;
  AccumulateGof(u, s, m, i0, n, /*with_ad=*/true, &b);
  if (b.d_plus > p->d_plus) {
    p->d_plus = b.d_plus;
    p->i_plus = b.i_plus;
  }
  if (b.d_minus > p->d_minus) {
    p->d_minus = b.d_minus;
    p->i_minus = b.i_minus;
  }
  p->n_edge += b.n_edge;
  if (b.n_edge == 0) p->ad += static_cast<long double>(b.ad_sum);
  // Leading u <= 0 and trailing s <= 0 (prefix / suffix counts).
  if (p->all_zero) {
    if (b.u_max <= 0) {
      p->lead_zero += static_cast<int64_t>(m);
    } else {
      size_t k = 0;
      while (k < m && u[k] <= 0) ++k;
      p->lead_zero += static_cast<int64_t>(k);
      p->all_zero = false;
    }
  }
  if (b.s_max <= 0) {
    p->trail_one += static_cast<int64_t>(m);
  } else {
    size_t k = 0;
    while (k < m && s[m - 1 - k] <= 0) ++k;
    p->trail_one = static_cast<int64_t>(k);
    p->all_one = false;
  }
  p->size += static_cast<int64_t>(m);
  // Chi-square cuts: cut j counts the values with !pred_j, pred_j = u >=
  // j/k for 2j <= k (on cdf), s <= (k-j)/k above (on sf), as
  // equiprobable_counts (chi_square.cc) cuts with lower_bound.
  for (int j = 1; j < bins; ++j) {
    if (2 * j <= bins) {
      const double q = static_cast<double>(j) / bins;
      if (b.u_min >= q) continue;
      p->cut[static_cast<size_t>(j)] += static_cast<int64_t>(
          b.u_max < q ? m : CountBelow(u, m, q));
    } else {
      const double q = static_cast<double>(bins - j) / bins;
      if (b.s_max <= q) continue;
      p->cut[static_cast<size_t>(j)] += static_cast<int64_t>(
          b.s_min > q ? m : CountAbove(s, m, q));
    }
  }
}

void FinishGof(const std::vector<GofPartial>& parts, int bins,
               GofSummary* out) {
  double dp = -1e300, dm = -1e300;
  int64_t ip = -1, im = -1, edge = 0;
  long double total = 0;
  for (const GofPartial& p : parts) {
    if (p.d_plus > dp) {
      dp = p.d_plus;
      ip = p.i_plus;
    }
    if (p.d_minus > dm) {
      dm = p.d_minus;
      im = p.i_minus;
    }
    edge += p.n_edge;
    total += p.ad;
  }
  out->ks_d_plus = dp;
  out->ks_d_minus = dm;
  out->ks_i_plus = ip;
  out->ks_i_minus = im;
  out->ad_n_edge = edge;
  const int64_t n = out->n;
  out->ad_a2 = edge > 0 || n == 0
                   ? kInf
                   : static_cast<double>(-static_cast<long double>(n) - total / n);
  int64_t zero = 0;
  for (const GofPartial& p : parts) {
    zero += p.lead_zero;
    if (!p.all_zero) break;
  }
  int64_t one = 0;
  for (size_t t = parts.size(); t-- > 0;) {
    one += parts[t].trail_one;
    if (!parts[t].all_one) break;
  }
  out->n_pit_zero = zero;
  out->n_pit_one = one;
  out->chi_counts.clear();
  if (bins >= 2) {
    std::vector<int64_t> cut(static_cast<size_t>(bins) + 1, 0);
    for (const GofPartial& p : parts)
      for (int j = 1; j < bins; ++j)
        cut[static_cast<size_t>(j)] += p.cut[static_cast<size_t>(j)];
    cut[static_cast<size_t>(bins)] = n;
    out->chi_counts.resize(static_cast<size_t>(bins));
    for (int j = 0; j < bins; ++j) {
      const int64_t a = cut[static_cast<size_t>(j)];
      const int64_t b = std::max(a, cut[static_cast<size_t>(j) + 1]);
      out->chi_counts[static_cast<size_t>(j)] = b - a;
    }
  }
}

// ------------------------------------------------------ SummarizeSorted

namespace {

// The scalar PIT of one value (the Distribution's own cdf_sf).
void ScalarPit(const Distribution& t, double x, double* u, double* s) {
  t.cdf_sf(std::span<const double>(&x, 1), std::span<double>(u, 1),
           std::span<double>(s, 1));
}

// Which vector kernel computes the exact PIT for a target.
struct PitKernel {
  int kind = -1;  // 0 uniform, 1 normal, 2 truncated normal, -1 scalar
  double a = 0, b = 0, mean = 0, sd = 1;
  TruncParams tp{};

  explicit PitKernel(const Distribution& t) {
    if (const auto* u = dynamic_cast<const Uniform*>(&t)) {
      kind = 0;
      a = u->low();
      b = u->high();
    } else if (const auto* nm = dynamic_cast<const Normal*>(&t)) {
      kind = 1;
      mean = nm->mean();
      sd = nm->sd();
    } else if (const auto* tn = dynamic_cast<const TruncatedNormal*>(&t)) {
      kind = 2;
      // The constructor's values, recomputed with its formulas.
      tp.mu = tn->parent_mean();
      tp.sigma = tn->parent_sd();
      tp.a = tn->low();
      tp.b = tn->high();
      tp.alpha = (tp.a - tp.mu) / tp.sigma;
      tp.beta = (tp.b - tp.mu) / tp.sigma;
      tp.phi_lo_a = normal_cdf(tp.alpha);
      tp.q_a = normal_sf(tp.alpha);
      tp.phi_lo_b = normal_cdf(tp.beta);
      tp.q_b = normal_sf(tp.beta);
      tp.z = tn->mass();
    }
  }

  // u/s of x[0, m) with the scalar fallbacks done (x double or float).
  template <class T>
  void Run(const Distribution& t, const T* x, size_t m, double* u, double* s,
           uint32_t* idx) const {
    size_t nf = 0;
    switch (kind) {
      case 0:
        PitUniform(x, m, a, b, u, s);
        return;
      case 1:
        nf = PitNormal(x, m, mean, sd, u, s, idx);
        break;
      case 2:
        nf = PitTruncNormal(x, m, tp, u, s, idx);
        break;
      default:
        for (size_t j = 0; j < m; ++j) ScalarPit(t, static_cast<double>(x[j]), &u[j], &s[j]);
        return;
    }
    for (size_t j = 0; j < nf; ++j)
      ScalarPit(t, static_cast<double>(x[idx[j]]), &u[idx[j]], &s[idx[j]]);
  }
};

}  // namespace

void NormalScores(const Distribution& f, double* x, size_t m) {
  // F clamped to [2^-26, 1 - 2^-26] (|z| <= 5.45): a value exactly at a
  // bound (a float uniform hits one with probability 2^-24 per value) stays
  // a plausible normal value instead of an infinite one.
  constexpr double kEps = 0x1p-26;
  const PitKernel kernel(f);
  if (kernel.kind == 0) {
    NormalScoresUniform(x, m, kernel.a, kernel.b, kEps, x);
    return;
  }
  std::vector<double>& u = Scratch<double, 5>(kBlock);
  std::vector<double>& s = Scratch<double, 6>(kBlock);
  std::vector<uint32_t>& idx = Scratch<uint32_t, 5>(kBlock);
  for (size_t b = 0; b < m; b += kBlock) {
    const size_t k = std::min(kBlock, m - b);
    kernel.Run(f, x + b, k, u.data(), s.data(), idx.data());
    NormalScoresOfTails(u.data(), s.data(), k, kEps, x + b);
  }
}

namespace {

// The randomized PIT of a run of `count` equal values at ranks [r0, r0 +
// count) whose rounding cell [a, b] meets the support (gof.cc): each rank
// draws w = pit_uniform(rank, key); the draws are sorted, and the j-th
// smallest gives u = c_lo + w mass and s = s_hi + (1 - w) mass, monotone in
// w (rounding to nearest is monotone), so the cdf comes out sorted
// ascending and the sf descending within the run.
struct RunCell {
  double c_lo, s_hi, mass;
  RunCell(const Distribution& t, double a, double b) {
    const double lo = std::max(a, t.low()), hi = std::min(b, t.high());
    double s_lo, c_hi;
    ScalarPit(t, lo, &c_lo, &s_lo);
    ScalarPit(t, hi, &c_hi, &s_hi);
    mass = c_lo < 0.5 ? c_hi - c_lo : s_lo - s_hi;
  }
  // w may be u (each w[j] is read before u[j] is written).
  void Map(const double* w, size_t m, double* u, double* s) const {
    for (size_t j = 0; j < m; ++j) {
      const double wj = w[j];
      u[j] = std::clamp(c_lo + wj * mass, 0.0, 1.0);
      s[j] = std::clamp(s_hi + (1.0 - wj) * mass, 0.0, 1.0);
    }
  }
};

// The sorted draws of the run at ranks [r0, r0 + count).
void RunDraws(int64_t r0, int64_t count, uint64_t key, double* w) {
  for (int64_t j = 0; j < count; ++j) w[j] = pit_uniform(static_cast<uint64_t>(r0 + j), key);
  SortInPlace(w, static_cast<size_t>(count));
}

void RandomizedRun(const Distribution& t, double a, double b, int64_t r0,
                   int64_t count, uint64_t key, double* u, double* s) {
  // The draws first, in u's storage.
  RunDraws(r0, count, key, u);
  RunCell(t, a, b).Map(u, static_cast<size_t>(count), u, s);
}

// sample_key over the sorted values (a sum, so any order and any split).
uint64_t KeyOfSorted(const SortedValues& sv) {
  const size_t n = sv.size();
  if (sv.histogram()) {
    uint64_t sum = 0;
    for (const SortedValues::Run& r : sv.runs()) {
      uint64_t g;
      ValueHashes(&r.value, 1, &g);
      sum += g * static_cast<uint64_t>(r.count);
    }
    return internal::key_of_hash_sum(sum, static_cast<uint64_t>(n));
  }
  const size_t tasks = TaskCount(n);
  std::vector<uint64_t> part(tasks, 0);
  ParallelTasks(tasks, [&](size_t t) {
    const size_t b = t * kTask, e = std::min(n, (t + 1) * kTask);
    part[t] = sv.f32() ? HashSumF32(sv.f32() + b, e - b)
                       : HashSumF64(sv.f64() + b, e - b);
  });
  uint64_t sum = 0;
  for (uint64_t p : part) sum += p;
  return internal::key_of_hash_sum(sum, static_cast<uint64_t>(n));
}

// First index in [lo, hi) where pred(At(i)) holds, pred monotone.
template <class P>
size_t PartitionPoint(const SortedValues& sv, size_t lo, size_t hi, P pred) {
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (pred(sv.At(mid))) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

// 16-bit formats: every value's cell is randomized, run by run, in rank
// order, in blocks of kBlock ranks to GofBlockInto as in the copy path. The
// tasks of kTask ranks run in parallel, each on the runs it overlaps, and
// give each task's part the same blocks in the same order as one pass over
// the ranks would: the result does not depend on the threads. A run that
// crosses a task boundary is drawn (and its draws sorted) by both tasks;
// runs longer than a task are drawn once, before the tasks.
void SummarizeHistogram(const SortedValues& sv, const Distribution& t,
                        ValueGrid grid, int bins, GofSummary* out,
                        std::vector<GofPartial>* parts) {
  using Run = SortedValues::Run;
  const int64_t n = static_cast<int64_t>(sv.size());
  const uint64_t key = KeyOfSorted(sv);
  const double low = t.low(), high = t.high();
  const std::vector<Run>& runs = sv.runs();
  const size_t nr = runs.size();
  // Over the runs (at most 65536): first ranks, ties, cells outside the
  // support, and how each run's PIT is made.
  enum : uint8_t { kBelow, kAbove, kFixed, kRandom };
  std::vector<int64_t> start(nr + 1, 0);
  std::vector<uint8_t> how(nr);
  std::map<size_t, std::vector<double>> long_runs;  // run -> its sorted draws
  uint64_t tied = 0;
  for (size_t k = 0; k < nr; ++k) {
    const Run& r = runs[k];
    start[k + 1] = start[k] + r.count;
    tied += static_cast<uint64_t>(r.count) * static_cast<uint64_t>(r.count - 1) / 2;
    double a, b;
    value_cell(r.value, grid, &a, &b);
    if (b < low) {
      how[k] = kBelow;
      out->n_below += r.count;
    } else if (a > high) {
      how[k] = kAbove;
      out->n_above += r.count;
    } else if (grid == ValueGrid::kFloat32 && a > low && b < high) {
      how[k] = kFixed;  // f32 grid: only cells at a bound are randomized
    } else {
      how[k] = kRandom;
      if (r.count > static_cast<int64_t>(kTask)) {
        std::vector<double>& w = long_runs[k];
        w.resize(static_cast<size_t>(r.count));
        RunDraws(start[k], r.count, key, w.data());
      }
    }
  }
  const size_t tasks = TaskCount(static_cast<size_t>(n));
  ParallelTasks(tasks, [&](size_t tk) {
    std::vector<double>& bu = Scratch<double, 30>(kBlock);
    std::vector<double>& bs = Scratch<double, 31>(kBlock);
    std::vector<double>& own = Scratch<double, 32>(0);  // a short run's draws
    const int64_t b0 = static_cast<int64_t>(tk * kTask);
    const int64_t e0 = std::min<int64_t>(n, b0 + static_cast<int64_t>(kTask));
    size_t k = static_cast<size_t>(std::upper_bound(start.begin(), start.end(), b0) -
                                   start.begin()) - 1;
    size_t drawn = nr;  // the run whose sorted draws `draws` holds
    const double* draws = nullptr;
    for (int64_t blk = b0; blk < e0; blk += static_cast<int64_t>(kBlock)) {
      const int64_t be = std::min<int64_t>(e0, blk + static_cast<int64_t>(kBlock));
      for (int64_t i = blk; i < be;) {
        while (start[k + 1] <= i) ++k;
        const Run& r = runs[k];
        const size_t j0 = static_cast<size_t>(i - start[k]);
        const size_t m = static_cast<size_t>(std::min(be, start[k + 1]) - i);
        double* pu = bu.data() + (i - blk);
        double* ps = bs.data() + (i - blk);
        switch (how[k]) {
          case kBelow:
            std::fill(pu, pu + m, 0.0);
            std::fill(ps, ps + m, 1.0);
            break;
          case kAbove:
            std::fill(pu, pu + m, 1.0);
            std::fill(ps, ps + m, 0.0);
            break;
          case kFixed: {
            double cu, cs;
            ScalarPit(t, r.value, &cu, &cs);
            std::fill(pu, pu + m, cu);
            std::fill(ps, ps + m, cs);
            break;
          }
          default: {
            if (drawn != k) {
              if (r.count > static_cast<int64_t>(kTask)) {
                draws = long_runs.at(k).data();
              } else {
                if (own.size() < static_cast<size_t>(r.count)) own.resize(static_cast<size_t>(r.count));
                RunDraws(start[k], r.count, key, own.data());
                draws = own.data();
              }
              drawn = k;
            }
            double a, b;
            value_cell(r.value, grid, &a, &b);
            RunCell(t, a, b).Map(draws + j0, m, pu, ps);
          }
        }
        i += static_cast<int64_t>(m);
      }
      const size_t fill = static_cast<size_t>(be - blk);
      GofBlockInto(bu.data(), bs.data(), fill, blk, n, bins, &(*parts)[tk]);
      if (blk == 0) {
        out->u_min = bu[0];
        out->s_min = bs[0];
      }
      if (be == n) {
        out->s_max = bs[fill - 1];
        out->u_max = bu[fill - 1];
      }
    }
  });
  const long double total = static_cast<long double>(n) * (n - 1) / 2;
  out->tie_probability =
      n < 2 ? 0.0 : static_cast<double>(static_cast<long double>(tied) / total);
}

}  // namespace

GofSummary SummarizeSorted(const SortedValues& sv, const Distribution& t,
                           ValueGrid grid, TieFilter* filter) {
  GofSummary out;
  const size_t n = sv.size();
  out.n = static_cast<int64_t>(n);
  out.grid = grid;
  out.target = t.description();
  if (n == 0) return out;
  out.min = sv.At(0);
  out.max = sv.At(n - 1);
  out.median = sv.Median();
  const int bins = chi_square_bins(out.n);
  const size_t tasks = TaskCount(n);
  std::vector<GofPartial> parts(tasks);
  const double low = t.low(), high = t.high();

  if (sv.histogram()) {
    SummarizeHistogram(sv, t, grid, bins, &out, &parts);
  } else {
    // Rank ranges: [0, below) cells below the support, [below, e0) and
    // [e1, above) randomized cells at the bounds (f32 grid), [e0, e1) the
    // exact PIT, [above, n) cells above the support.
    size_t below = 0, above = n, e0 = 0, e1 = n;
    if (grid == ValueGrid::kExact) {
      below = PartitionPoint(sv, 0, n, [&](double v) { return !(v < low); });
      above = PartitionPoint(sv, 0, n, [&](double v) { return v > high; });
    } else {
      auto cell_lo = [&](double v) {
        double a, b;
        value_cell(v, grid, &a, &b);
        return a;
      };
      auto cell_hi = [&](double v) {
        double a, b;
        value_cell(v, grid, &a, &b);
        return b;
      };
      below = PartitionPoint(sv, 0, n, [&](double v) { return cell_hi(v) >= low; });
      above = PartitionPoint(sv, 0, n, [&](double v) { return cell_lo(v) > high; });
      const bool all = grid != ValueGrid::kFloat32;
      e0 = all ? n : PartitionPoint(sv, 0, n, [&](double v) { return cell_lo(v) > low; });
      e1 = all ? 0 : PartitionPoint(sv, 0, n, [&](double v) { return cell_hi(v) >= high; });
      e0 = std::max(e0, below);
      e1 = std::min(e1, above);
      if (e0 >= e1) e0 = e1 = above;  // no exact range: one randomized range
    }
    out.n_below = static_cast<int64_t>(below);
    out.n_above = static_cast<int64_t>(n - above);
    // The randomized ranks, computed up front (f32: the few values within a
    // rounding cell of a bound), run by run.
    const size_t r_lo = grid == ValueGrid::kExact ? 0 : e0 - std::min(e0, below);
    const size_t r_hi = grid == ValueGrid::kExact ? 0 : above - std::max(e1, std::min(above, e1));
    std::vector<double> rand_u(r_lo + r_hi), rand_s(r_lo + r_hi);
    if (r_lo + r_hi > 0) {
      const uint64_t key = KeyOfSorted(sv);
      auto fill_range = [&](size_t from, size_t to, double* u, double* s) {
        for (size_t i = from; i < to;) {
          const double v = sv.At(i);
          size_t k = i + 1;
          while (k < to && sv.At(k) == v) ++k;
          double a, b;
          value_cell(v, grid, &a, &b);
          RandomizedRun(t, a, b, static_cast<int64_t>(i),
                        static_cast<int64_t>(k - i), key, u + (i - from),
                        s + (i - from));
          i = k;
        }
      };
      fill_range(below, below + r_lo, rand_u.data(), rand_s.data());
      fill_range(above - r_hi, above, rand_u.data() + r_lo, rand_s.data() + r_lo);
    }
    const PitKernel kernel(t);
    const size_t rand_hi_begin = above - r_hi;
    ParallelTasks(tasks, [&](size_t task) {
      std::vector<double>& x = Scratch<double, 0>(kBlock);
      std::vector<double>& u = Scratch<double, 1>(kBlock);
      std::vector<double>& s = Scratch<double, 2>(kBlock);
      std::vector<uint32_t>& idx = Scratch<uint32_t, 0>(kBlock);
      const size_t end = std::min(n, (task + 1) * kTask);
      for (size_t bl = task * kTask; bl < end; bl += kBlock) {
        const size_t m = std::min(kBlock, end - bl);
        // The exact-PIT part of this block.
        const size_t x0 = std::clamp(e0, bl, bl + m), x1 = std::clamp(e1, bl, bl + m);
        if (x1 > x0) {
          if (sv.f32()) {
            kernel.Run(t, sv.f32() + x0, x1 - x0, u.data() + (x0 - bl),
                       s.data() + (x0 - bl), idx.data());
          } else if (sv.f64()) {
            kernel.Run(t, sv.f64() + x0, x1 - x0, u.data() + (x0 - bl),
                       s.data() + (x0 - bl), idx.data());
          } else {
            sv.Read(x0, x1 - x0, x.data());
            kernel.Run(t, x.data(), x1 - x0, u.data() + (x0 - bl),
                       s.data() + (x0 - bl), idx.data());
          }
        }
        // The ranks outside [x0, x1) (few: at the ends of the sample).
        for (size_t i = bl; i < bl + m; ++i) {
          if (i == x0) i = std::max(x0, x1);
          if (i >= bl + m) break;
          double* ui = &u[i - bl];
          double* si = &s[i - bl];
          if (i < below) {
            *ui = 0.0;
            *si = 1.0;
          } else if (i < below + r_lo) {
            *ui = rand_u[i - below];
            *si = rand_s[i - below];
          } else if (i >= above) {
            *ui = 1.0;
            *si = 0.0;
          } else if (i >= rand_hi_begin) {
            *ui = rand_u[r_lo + (i - rand_hi_begin)];
            *si = rand_s[r_lo + (i - rand_hi_begin)];
          } else {
            // Exact PIT outside [e0, e1) only for the exact grid's outside
            // values (handled by the kernel range) -- unreachable.
            ScalarPit(t, sv.At(i), ui, si);
          }
        }
        GofBlockInto(u.data(), s.data(), m, static_cast<int64_t>(bl),
                     static_cast<int64_t>(n), bins, &parts[task]);
        if (bl == 0) {
          out.u_min = u[0];
          out.s_min = s[0];
        }
        if (bl + m == n) {
          out.s_max = s[m - 1];
          out.u_max = u[m - 1];
        }
      }
    });
    // Ties: adjacent equal values of the sorted copy (pairs (i, i+1) of
    // task t are those with i in the task), and the tie filter's values.
    std::vector<TiePart> tparts(tasks);
    auto ties_of = [&](size_t task, auto* on_run) {
      std::vector<uint64_t>& bits = Scratch<uint64_t, 3>(kTask / 64 + 1);
      const size_t b = task * kTask, e = std::min(n, (task + 1) * kTask);
      const size_t vals = std::min(n, e + 1) - b;  // one past: the last pair
      return sv.f32() ? TiesOf(sv.f32() + b, vals, bits, on_run)
                      : TiesOf(sv.f64() + b, vals, bits, on_run);
    };
    // The tie filter's bitmap: 2^k >= 8 n bits (at least 16 bits per tied
    // value: runs <= n/2), at most 2^24 (2 MiB, cache-resident), set in one
    // bitmap per thread (no atomics) OR-ed at the end: the same bitmap for
    // any schedule.
    int k = 12;
    while (k < 24 && (uint64_t{1} << k) < 8 * static_cast<uint64_t>(n)) ++k;
    const size_t words = (size_t{1} << k) / 64;
    tbb::combinable<std::vector<uint64_t>> local(
        [words] { return std::vector<uint64_t>(words, 0); });
    ParallelTasks(tasks, [&](size_t task) {
      if (filter == nullptr) {
        tparts[task] = ties_of(task, static_cast<NoRun*>(nullptr));
        return;
      }
      // Bits set 16 run starts behind their prefetch: the bitmap is
      // larger than L2, and the writes are random.
      struct Setter {
        uint64_t* bm;
        int k;
        uint64_t ring[16];
        size_t n = 0;
        void operator()(double v) {
          const uint64_t h = TieIndex(v, k);
          __builtin_prefetch(bm + (h >> 6), 1);
          if (n >= 16) Set(ring[n % 16]);
          ring[n++ % 16] = h;
        }
        void Set(uint64_t h) { bm[h >> 6] |= uint64_t{1} << (h & 63); }
        void Flush() {
          for (size_t i = n > 16 ? n - 16 : 0; i < n; ++i) Set(ring[i % 16]);
        }
      } set{local.local().data(), k, {}};
      tparts[task] = ties_of(task, &set);
      set.Flush();
    });
    const uint64_t tied = MergeTies(tparts);
    if (filter) {
      uint64_t ones = 0, runs = 0;
      for (const TiePart& p : tparts) {
        ones += p.ones;
        runs += p.runs;
      }
      filter->k = k;
      filter->bitmap.assign(words, 0);
      local.combine_each([&](const std::vector<uint64_t>& bm) {
        for (size_t i = 0; i < words; ++i) filter->bitmap[i] |= bm[i];
      });
      uint64_t set = 0;
      for (uint64_t w : filter->bitmap) set += static_cast<uint64_t>(std::popcount(w));
      filter->fill = static_cast<double>(set) / static_cast<double>(size_t{1} << k);
      filter->tied_fraction = std::min(
          1.0, static_cast<double>(ones + runs) / static_cast<double>(n));
    }
    const long double total = static_cast<long double>(n) * (n - 1) / 2;
    out.tie_probability =
        n < 2 ? 0.0 : static_cast<double>(static_cast<long double>(tied) / total);
  }
  FinishGof(parts, bins, &out);
  if (out.ks_i_plus >= 0) out.ks_x_plus = sv.At(static_cast<size_t>(out.ks_i_plus));
  if (out.ks_i_minus >= 0) out.ks_x_minus = sv.At(static_cast<size_t>(out.ks_i_minus));
  return out;
}

}  // namespace initcheck::verify::internal
