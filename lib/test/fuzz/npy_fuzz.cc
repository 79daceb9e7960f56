// Fuzz target: the .npy reader (parse_npy and read_npy).
//
// Invariants checked for every input:
//   - only initcheck::Error escapes, with a one-line message;
//   - the file reader (read_npy: open, fstat, pread of the preamble, header
//     and data) and the in-memory parser agree: the same tensor, or the same
//     error message;
//   - ReadLimits::max_elements is honoured: with a limit of 64 elements the
//     parse succeeds exactly when the unlimited parse gives <= 64 elements;
//   - a parsed tensor fits in the input and is consistent (numel = product of
//     the shape), and the writer round-trips it: parse(encode(t)) == t and
//     encode(parse(encode(t))) == encode(t), byte for byte.
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "initcheck/error.h"
#include "initcheck/io.h"

namespace {

using initcheck::Error;
using initcheck::ReadLimits;
using initcheck::Tensor;

constexpr int64_t kSmallLimit = 64;

struct Outcome {
  std::optional<Tensor> tensor;
  std::string error;
};

template <class F>
Outcome Run(F&& f) {
  Outcome o;
  try {
    o.tensor = f();
  } catch (const Error& e) {
    initcheck::fuzz::CheckMessage(e.what());
    o.error = e.what();
  }
  return o;
}

bool SameTensor(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         a.numel() == b.numel() &&
         (a.nbytes() == 0 || std::memcmp(a.data(), b.data(), a.nbytes()) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static initcheck::fuzz::ScratchFile scratch;
  const auto bytes = initcheck::fuzz::AsBytes(data, size);
  const std::string& path = scratch.Write(data, size);

  const Outcome mem =
      Run([&] { return initcheck::parse_npy(bytes, {}, path); });
  const Outcome file = Run([&] { return initcheck::read_npy(path); });
  INITCHECK_FUZZ_CHECK(
      mem.tensor.has_value() == file.tensor.has_value(),
      "parse_npy: " + mem.error + " | read_npy: " + file.error);
  INITCHECK_FUZZ_CHECK(
      mem.error == file.error,
      "parse_npy: " + mem.error + " | read_npy: " + file.error);
  if (mem.tensor) {
    INITCHECK_FUZZ_CHECK(SameTensor(*mem.tensor, *file.tensor),
                         "read_npy differs");
  }

  ReadLimits small;
  small.max_elements = kSmallLimit;
  const Outcome lim =
      Run([&] { return initcheck::parse_npy(bytes, small, path); });
  if (lim.tensor) {
    INITCHECK_FUZZ_CHECK(
        mem.tensor && SameTensor(*lim.tensor, *mem.tensor),
        "limited parse succeeded where the unlimited one did not");
    INITCHECK_FUZZ_CHECK(lim.tensor->numel() <= kSmallLimit, "limit ignored");
  } else if (mem.tensor) {
    INITCHECK_FUZZ_CHECK(mem.tensor->numel() > kSmallLimit, lim.error);
    INITCHECK_FUZZ_CHECK(
        lim.error.find("raise it with --max-elements") != std::string::npos,
        lim.error);
  }
  const Outcome lim_file =
      Run([&] { return initcheck::read_npy(path, small); });
  INITCHECK_FUZZ_CHECK(
      lim_file.error == lim.error,
      "parse_npy: " + lim.error + " | read_npy: " + lim_file.error);

  if (!mem.tensor) return 0;
  const Tensor& t = *mem.tensor;
  INITCHECK_FUZZ_CHECK(t.numel() == initcheck::shape_numel(t.shape()), "numel");
  INITCHECK_FUZZ_CHECK(t.nbytes() <= size, "tensor larger than the file");
  INITCHECK_FUZZ_CHECK(t.numel() == 0 || t.data() != nullptr, "no storage");

  const std::vector<std::byte> enc = initcheck::encode_npy(t);
  Tensor back;
  try {
    back = initcheck::parse_npy(enc);
  } catch (const Error& e) {
    INITCHECK_FUZZ_CHECK(false,
                         std::string("re-encoded tensor refused: ") + e.what());
  }
  INITCHECK_FUZZ_CHECK(SameTensor(t, back), "round trip changed the tensor");
  INITCHECK_FUZZ_CHECK(initcheck::encode_npy(back) == enc,
                       "encoding not stable");
  return 0;
}
