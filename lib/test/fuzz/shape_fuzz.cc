// Fuzz target: parse_shape (the --shape option of initcheck fill).
//
// Invariants checked for every input (the option's text):
//   - only initcheck::Error escapes, with a one-line message;
//   - a parsed shape has rank 1..8, every dimension >= 1, and at most 2^62
//     elements (shape_numel does not throw);
//   - it round-trips through the printed forms: parse_shape(shape_string(s))
//     and parse_shape("d0xd1x...") give s back.
#include <optional>
#include <string>

#include "fuzz_util.h"
#include "initcheck/error.h"
#include "initcheck/geometry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = initcheck::fuzz::AsText(data, size);
  std::optional<initcheck::Shape> s;
  try {
    s = initcheck::parse_shape(text);
  } catch (const initcheck::Error& e) {
    initcheck::fuzz::CheckMessage(e.what());
    return 0;
  }
  const std::string printed = initcheck::shape_string(*s);
  INITCHECK_FUZZ_CHECK(!s->empty() && s->size() <= 8, printed);
  for (int64_t d : *s) INITCHECK_FUZZ_CHECK(d >= 1, printed);
  (void)initcheck::shape_numel(*s);  // must not throw

  std::string crossed;
  for (size_t i = 0; i < s->size(); ++i) {
    if (i) crossed += 'x';
    crossed += std::to_string((*s)[i]);
  }
  try {
    INITCHECK_FUZZ_CHECK(initcheck::parse_shape(printed) == *s, printed);
    INITCHECK_FUZZ_CHECK(initcheck::parse_shape(crossed) == *s, crossed);
  } catch (const initcheck::Error& e) {
    INITCHECK_FUZZ_CHECK(false, printed + " refused: " + e.what());
  }
  return 0;
}
