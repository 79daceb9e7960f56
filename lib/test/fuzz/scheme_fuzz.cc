// Fuzz target: the scheme parser (Scheme::parse) and canonical printer.
//
// Invariants checked for every input (the scheme text):
//   - only initcheck::Error escapes, with a one-line message;
//   - if parse succeeds, the canonical text parses back to an equal Scheme
//     and prints identically (parse(str()) == s, a fixed point);
//   - the parsed scheme is usable: plan_fill on small weights either refuses
//     with an Error or plans, and fill() in every dtype either refuses with
//     an Error or gives only finite values (never NaN, never an infinity
//     from an overflowing dtype).
#include <cmath>
#include <optional>
#include <string>
#include <utility>

#include "fuzz_util.h"
#include "initcheck/error.h"
#include "initcheck/fill.h"
#include "initcheck/scheme.h"

namespace {

using initcheck::DType;
using initcheck::Error;
using initcheck::Geometry;
using initcheck::Layout;
using initcheck::make_geometry;
using initcheck::Scheme;


void TryFill(const Scheme& s, const Geometry& g) {
  try {
    (void)initcheck::plan_fill(s, g);
  } catch (const Error& e) {
    initcheck::fuzz::CheckMessage(e.what());
    return;
  }
  for (DType d : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
    std::optional<initcheck::Tensor> t;
    try {
      t = initcheck::fill(s, g, d, {.seed = 7, .stream = 1, .threads = 1});
    } catch (const Error& e) {
      initcheck::fuzz::CheckMessage(e.what());
      continue;
    }
    INITCHECK_FUZZ_CHECK(t->shape() == g.shape, s.str());
    for (int64_t i = 0; i < t->numel(); ++i) {
      INITCHECK_FUZZ_CHECK(std::isfinite(t->get(i)),
                           s.str() + " in " +
                               std::string(initcheck::dtype_name(d)) +
                               " gave a non-finite value");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = initcheck::fuzz::AsText(data, size);
  std::optional<Scheme> s;
  try {
    s = Scheme::parse(text);
  } catch (const Error& e) {
    initcheck::fuzz::CheckMessage(e.what());
    return 0;
  }
  INITCHECK_FUZZ_CHECK(initcheck::find_scheme_spec(s->name()) != nullptr,
                       s->name());
  const std::string canonical = s->str();
  std::optional<Scheme> back;
  try {
    back = Scheme::parse(canonical);
  } catch (const Error& e) {
    INITCHECK_FUZZ_CHECK(false, canonical + " -> " + e.what());
  }
  INITCHECK_FUZZ_CHECK(*back == *s, canonical + " parses to " + back->str());
  INITCHECK_FUZZ_CHECK(back->str() == canonical,
                       canonical + " prints as " + back->str());

  TryFill(*s, make_geometry({4, 3}, Layout::kTorch));
  TryFill(*s, make_geometry({4, 2, 3}, Layout::kTorch));
  TryFill(*s, make_geometry({3, 2, 4}, Layout::kKeras));
  return 0;
}
