// Structured-scheme properties: orthogonal (Q^T Q = gain^2 I),
// delta_orthogonal (one orthogonal centre tap), dirac and eye/identity
// (exact identity structure), on random shapes and layouts, in f64.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "generators.h"
#include "initcheck/fill.h"
#include "prop_util.h"

namespace initcheck::props {
namespace {

// Largest |(A A^T or A^T A) - g^2 I| entry of the rows x cols row-major
// matrix a, taking the product of the smaller dimension.
double GramError(const double* a, int64_t rows, int64_t cols, double g2) {
  const bool tall = rows >= cols;
  const int64_t m = tall ? cols : rows;  // Gram is m x m
  const int64_t k = tall ? rows : cols;  // summed over
  auto at = [&](int64_t i, int64_t l) {  // entry l of vector i
    return tall ? a[l * cols + i] : a[i * cols + l];
  };
  double worst = 0;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = i; j < m; ++j) {
      double s = 0;
      for (int64_t l = 0; l < k; ++l) s += at(i, l) * at(j, l);
      worst = std::max(worst, std::fabs(s - (i == j ? g2 : 0.0)));
    }
  }
  return worst;
}

// orthogonal: the weight, flattened to rows x cols (torch: rows = dim 0;
// keras/jax: cols = last dim), has orthonormal columns (rows >= cols) or rows
// (rows < cols) scaled by gain: Q^T Q = gain^2 I, in f64 to 1e-10 max(rows,
// cols) gain^2. Catches the wide case factored without transposing (Q not
// orthogonal), the layout's flattening ignored, gain applied twice.
RC_GTEST_PROP(StructuredProperties, OrthogonalGramIsGainSquaredIdentity, ()) {
  FillCase c = *GenFillCaseOf({"orthogonal"}, Range::kModerate).as("case");
  const Shape& s = c.geometry.shape;
  const int64_t numel = shape_numel(s);
  const int64_t rows =
      c.geometry.layout == Layout::kTorch ? s.front() : numel / s.back();
  const int64_t cols = numel / rows;
  RC_CLASSIFY(rows > cols, "rows > cols");
  RC_CLASSIFY(rows < cols, "rows < cols");
  RC_CLASSIFY(s.size() > 2, "conv shape");
  RC_TAG(layout_name(c.geometry.layout));
  const Tensor t =
      fill(c.scheme, c.geometry, DType::kF64, {c.key.seed, c.key.stream, 1});
  const double gain = c.scheme.number("gain");
  const double err = GramError(t.as<double>(), rows, cols, gain * gain);
  RC_LOG() << rows << "x" << cols << " Gram error " << err << "\n";
  RC_ASSERT(err <=
            1e-10 * static_cast<double>(std::max(rows, cols)) * gain * gain);
}

// delta_orthogonal on [*k, in, out] (in <= out): every entry is 0 except the
// centre tap ((k_i - 1) / 2 per kernel dim, as JAX), which is scale Q with
// Q Q^T = I_in. Catches the centre tap at k_i / 2 for even kernels, copies
// in several taps, a non-orthogonal tap.
RC_GTEST_PROP(StructuredProperties, DeltaOrthogonalIsOneOrthogonalTap, ()) {
  const FillCase c =
      *GenFillCaseOf({"delta_orthogonal"}, Range::kModerate).as("case");
  const Shape& s = c.geometry.shape;
  const std::size_t r = s.size();
  const int64_t in = s[r - 2], out = s[r - 1];
  int64_t centre = 0;
  for (std::size_t ax = 0; ax + 2 < r; ++ax)
    centre = centre * s[ax] + (s[ax] - 1) / 2;
  const Tensor t =
      fill(c.scheme, c.geometry, DType::kF64, {c.key.seed, c.key.stream, 1});
  const double* w = t.as<double>();
  const int64_t taps = t.numel() / (in * out);
  for (int64_t tap = 0; tap < taps; ++tap) {
    if (tap == centre) continue;
    for (int64_t i = 0; i < in * out; ++i)
      RC_ASSERT(w[tap * in * out + i] == 0.0);
  }
  const double scale = c.scheme.number("scale");
  const double err = GramError(w + centre * in * out, in, out, scale * scale);
  RC_ASSERT(err <= 1e-10 * static_cast<double>(out) * scale * scale);
}

// dirac(groups) on torch [out, in, *k]: w[g out/groups + d, d, k_i / 2...]
// = 1 for d < min(out/groups, in), 0 elsewhere (torch.nn.init.dirac_), so
// the conv is the identity per group. eye/identity: value on the diagonal
// of the (rectangular) matrix, 0 elsewhere. Catches a centre index off by
// one for even kernels, groups offset wrong, the diagonal of a wide matrix
// running past the last column.
RC_GTEST_PROP(StructuredProperties, DiracAndEyeAreExactIdentities, ()) {
  const FillCase c =
      *GenFillCaseOf({"dirac", "eye", "identity"}, Range::kModerate).as("case");
  const Shape& s = c.geometry.shape;
  std::vector<double> want(static_cast<std::size_t>(shape_numel(s)), 0.0);
  if (c.scheme.name() == "dirac") {
    const auto groups = static_cast<int64_t>(c.scheme.number("groups"));
    const int64_t opg = s[0] / groups, in = s[1];
    int64_t spatial = 1, centre = 0;
    for (std::size_t ax = 2; ax < s.size(); ++ax) {
      spatial *= s[ax];
      centre = centre * s[ax] + s[ax] / 2;
    }
    for (int64_t g = 0; g < groups; ++g) {
      for (int64_t d = 0; d < std::min(opg, in); ++d) {
        want[static_cast<std::size_t>(((g * opg + d) * in + d) * spatial +
                                      centre)] = 1;
      }
    }
  } else {
    const double v = c.scheme.name() == "eye" ? 1.0 : c.scheme.number("gain");
    for (int64_t i = 0; i < std::min(s[0], s[1]); ++i) {
      want[static_cast<std::size_t>(i * s[1] + i)] = v;
    }
  }
  const Tensor t =
      fill(c.scheme, c.geometry, c.dtype, {c.key.seed, c.key.stream, 1});
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double expected =
        c.dtype == DType::kF64 ? want[i]
                               : StoredAs(c.dtype, static_cast<float>(want[i]));
    RC_ASSERT(t.get(static_cast<int64_t>(i)) == expected);
  }
}

}  // namespace
}  // namespace initcheck::props
