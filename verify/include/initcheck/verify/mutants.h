// File: initcheck/verify/mutants.h
//
// A catalogue of realistic initializer bugs ("statistical mutants"), used to
// prove that the verification battery (battery.h) has power: each mutant
// fills a tensor the way a buggy initializer would, and the battery checks it
// against the scheme the initializer was supposed to implement (the mutant's
// reference scheme). A mutant that the battery does not reject at the default
// family-wise alpha is a bug the suite would miss. power.h runs the study
// (detection rates with Clopper-Pearson intervals, the smallest n that detects
// a mutant with probability 0.99).
//
// Each mutant mirrors a real bug from the project's catalogue
// (/work/shared/research/initializers.md, entries "D-n", or the peer-library
// issue numbers cited there); `bug_reference` names it. The mutants are built
// on lib's public API only (initcheck::fill, plan_fill, the Philox streams of
// random.h): a mutant either fills a different scheme whose parameters are
// computed with the bug (e.g. the uniform bound without sqrt(3)), or
// transforms a correct tensor (a copied row, an AR(1) filter, a quantizer).
// Randomness that a mutant adds (masks, leak decisions) comes from Philox
// streams 1, 2, ... of the same seed, so every mutant tensor is a pure
// function of (mutant, n, seed).
//
// Example:
//   const Mutant& m = find_mutant("keras_truncated_normal_no_correction");
//   MutantCase c = make_mutant_case(m, 1 << 18, /*seed=*/7);
//   TensorCheck r = check_one(c.tensor, c.scheme, c.geometry);
//   // r.pass == false; r.diagnosis mentions "missing truncation correction"
#ifndef INITCHECK_VERIFY_MUTANTS_H_
#define INITCHECK_VERIFY_MUTANTS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "initcheck/dtype.h"
#include "initcheck/fans.h"
#include "initcheck/scheme.h"
#include "initcheck/tensor.h"

namespace initcheck::verify {

// What the mutation does to the distribution, for reports.
struct MutantEffect {
  // Var(mutant element) / Var(target element); 1 when the variance is
  // unchanged, NaN when not meaningful (structure-only mutants).
  double variance_ratio = 1.0;
  // One phrase, e.g. "variance 0.774x target", "all rows identical".
  std::string text;
};

struct Mutant {
  std::string name;              // snake_case identifier
  std::string description;       // what the buggy initializer does
  std::string bug_reference;     // e.g. "keras #8048, TF #16344 (D-20)"
  std::string reference_scheme;  // the scheme it claims to follow
  DType dtype = DType::kF32;
  // A geometry (shape and how to read it) with about n elements that suits
  // the mutant (e.g. a non-square conv weight for a fan swap).
  std::function<Geometry(int64_t n)> geometry;
  // The mutated tensor for a geometry and seed.
  std::function<Tensor(const Geometry& g, uint64_t seed)> make;
  // The mutation's effect on a geometry.
  std::function<MutantEffect(const Geometry& g)> effect;
  // The number of elements at which the fast ctest asserts detection for
  // every seed (2^18 unless the mutant documents why it needs more); 0 when
  // the mutant is a documented limit of the battery (e.g. a gain off by
  // 0.01%: no practical n detects it) and detection is not asserted.
  int64_t assert_detected_at = int64_t{1} << 18;
  // Why a mutant is expected to need more than 2^18 elements, or none.
  std::string limit_note;
  // Where the power study's search for the smallest n starts for this
  // mutant (0: PowerOptions::min_n_low), for bugs of small tensors.
  int64_t min_n_low = 0;
};

// Every mutant, in catalogue order (at least the 15 the project requires;
// see the list in mutants.cc).
const std::vector<Mutant>& mutant_catalogue();
// Throws initcheck::Error for an unknown name.
const Mutant& find_mutant(std::string_view name);

// A tensor to check and what to check it against.
struct MutantCase {
  Tensor tensor;
  Scheme scheme;  // the reference scheme
  Geometry geometry;
};

// The mutated tensor with about n elements, for `seed`.
MutantCase make_mutant_case(const Mutant& m, int64_t n, uint64_t seed);
// The correct tensor (lib's fill of the reference scheme) for the same
// geometry and seed: the control of the power study.
MutantCase make_reference_case(const Mutant& m, int64_t n, uint64_t seed);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_MUTANTS_H_
