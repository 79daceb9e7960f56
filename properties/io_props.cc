// File I/O properties: .npy and .safetensors encode -> parse is the identity
// for random tensors of every dtype and shape, and mutated files (flipped,
// inserted, deleted, overwritten bytes, truncation) are refused with
// initcheck::Error or read consistently.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "generators.h"
#include "initcheck/io.h"
#include "initcheck/random.h"
#include "prop_util.h"

namespace initcheck::props {
namespace {

// A tensor of random bytes (any bit pattern: NaN payloads, infinities,
// subnormals), rank 0-4, dims including 0 (empty tensors are valid files).
// Kept as a recipe (Tensor is move-only; generated values must be copyable).
struct TensorSpec {
  DType dtype = DType::kF32;
  Shape shape;
  RngKey key;  // the bytes are Philox words of this key
};

void showValue(const TensorSpec& t, std::ostream& os) {
  os << dtype_name(t.dtype) << shape_string(t.shape);
}

Tensor Make(const TensorSpec& spec) {
  Tensor t(spec.dtype, spec.shape);
  auto* bytes = reinterpret_cast<unsigned char*>(t.data());
  for (std::size_t i = 0; i < t.nbytes(); ++i) {
    bytes[i] = static_cast<unsigned char>(random_bits32(spec.key, i / 4) >>
                                          (8 * (i % 4)));
  }
  return t;
}

rc::Gen<TensorSpec> GenTensor() {
  return rc::gen::exec([] {
    TensorSpec t;
    t.dtype = *rc::gen::arbitrary<DType>();
    t.shape = *GenShape(1, 4, 4096);
    const auto rank =
        static_cast<std::size_t>(*GenInt(0, int64_t(t.shape.size())));
    t.shape.resize(rank);
    if (rank > 0 && *GenInt(0, 7) == 0) {
      t.shape[static_cast<std::size_t>(*GenInt(0, int64_t(rank) - 1))] = 0;
    }
    t.key = *GenKey();
    return t;
  });
}

// One edit of a file's bytes.
struct Mutation {
  enum Kind { kFlip, kInsert, kDelete, kOverwrite, kTruncate, kDigit } kind;
  std::size_t pos;
  uint8_t byte;
};

// Positions are biased into the first `header` bytes, where the structure is.
rc::Gen<std::vector<Mutation>> GenMutations(std::size_t size,
                                            std::size_t header) {
  return rc::gen::exec([=] {
    const auto count = static_cast<std::size_t>(*GenInt(1, 4));
    std::vector<Mutation> out;
    for (std::size_t i = 0; i < count; ++i) {
      Mutation m;
      m.kind = static_cast<Mutation::Kind>(*GenInt(0, 5));
      const int64_t limit = static_cast<int64_t>(
          *rc::gen::arbitrary<bool>() ? std::min(size, header) : size);
      m.pos =
          static_cast<std::size_t>(*GenInt(0, std::max<int64_t>(limit - 1, 0)));
      m.byte = static_cast<uint8_t>(*GenInt(0, 255));
      out.push_back(m);
    }
    return out;
  });
}

void Apply(const Mutation& m, std::vector<std::byte>& b) {
  if (b.empty() && m.kind != Mutation::kInsert) return;
  const std::size_t pos = std::min(m.pos, b.empty() ? 0 : b.size() - 1);
  switch (m.kind) {
    case Mutation::kFlip:
      b[pos] ^= std::byte{static_cast<uint8_t>(1u << (m.byte % 8))};
      break;
    case Mutation::kInsert:
      b.insert(
          b.begin() + static_cast<std::ptrdiff_t>(std::min(m.pos, b.size())),
          std::byte{m.byte});
      break;
    case Mutation::kDelete:
      b.erase(b.begin() + static_cast<std::ptrdiff_t>(pos));
      break;
    case Mutation::kOverwrite:
      b[pos] = std::byte{m.byte};
      break;
    case Mutation::kTruncate:
      b.resize(pos);
      break;
    case Mutation::kDigit:  // a digit of the header replaced by another digit
      for (std::size_t i = pos; i < b.size(); ++i) {
        const auto c = static_cast<char>(b[i]);
        if (c >= '0' && c <= '9') {
          b[i] = std::byte{static_cast<uint8_t>('0' + m.byte % 10)};
          break;
        }
      }
      break;
  }
}

std::string MutationText(const std::vector<Mutation>& ms) {
  static const char* const kNames[] = {"flip",      "insert",   "delete",
                                       "overwrite", "truncate", "digit"};
  std::string s;
  for (const Mutation& m : ms) {
    s += std::string(kNames[m.kind]) + "@" + std::to_string(m.pos) + ":" +
         std::to_string(m.byte) + " ";
  }
  return s;
}

// A parsed tensor is self-consistent: its element count is the product of
// its shape, and its storage is that many elements.
bool Consistent(const Tensor& t) {
  int64_t n = 1;
  for (int64_t d : t.shape()) {
    if (d < 0) return false;
    n *= d;
  }
  return n == t.numel() &&
         t.nbytes() == static_cast<std::size_t>(n) * dtype_size(t.dtype());
}

// encode_npy -> parse_npy returns the same dtype, shape and bytes, for every
// dtype (bf16 as '<V2'), rank 0-4, empty tensors and any bit pattern.
// Catches a header that misstates the shape (rank 1 without the trailing
// comma, rank 0), padding that shifts the data, NaN payloads canonicalized.
RC_GTEST_PROP(IoProperties, NpyRoundTripIsIdentity, ()) {
  const Tensor t = Make(*GenTensor().as("tensor"));
  const std::vector<std::byte> bytes = encode_npy(t);
  RC_ASSERT(bytes.size() % 64 == t.nbytes() % 64);  // header: 64k bytes
  const Tensor back = parse_npy(bytes);
  RC_ASSERT(BitEqual(back, t));
}

// encode_safetensors -> parse_safetensors returns the same names (in order),
// dtypes, shapes and bytes for several tensors with metadata. Catches
// offsets off by the header padding, tensors swapped, a dtype name mix-up
// (F16 vs BF16).
RC_GTEST_PROP(IoProperties, SafetensorsRoundTripIsIdentity, ()) {
  const auto count = static_cast<std::size_t>(*GenInt(1, 4).as("tensors"));
  std::vector<Tensor> ts;
  for (std::size_t i = 0; i < count; ++i)
    ts.push_back(Make(*GenTensor().as("tensor")));
  std::vector<std::pair<std::string, const Tensor*>> named;
  for (std::size_t i = 0; i < count; ++i) {
    named.emplace_back("layer" + std::to_string(i) + ".weight", &ts[i]);
  }
  std::map<std::string, std::string> meta;
  if (*rc::gen::arbitrary<bool>()) meta["format"] = "pt";
  const std::vector<std::byte> bytes = encode_safetensors(named, meta);
  const auto back = parse_safetensors(bytes);
  RC_ASSERT(back.size() == count);
  for (std::size_t i = 0; i < count; ++i) {
    RC_ASSERT(back[i].first == named[i].first);
    RC_ASSERT(BitEqual(back[i].second, ts[i]));
  }
}

// Mutated .npy bytes: parse_npy throws initcheck::Error with a one-line
// message, or returns a self-consistent tensor. Never a crash, never
// another exception type (std::length_error, std::bad_alloc from a huge
// declared shape). Catches trusting the header's shape over the file size.
RC_GTEST_PROP(IoProperties, MutatedNpyIsRefusedOrConsistent, ()) {
  const Tensor t = Make(*GenTensor().as("tensor"));
  std::vector<std::byte> bytes = encode_npy(t);
  const std::size_t header = bytes.size() - t.nbytes();
  const std::vector<Mutation> ms = *GenMutations(bytes.size(), header);
  RC_LOG() << MutationText(ms) << "\n";
  for (const Mutation& m : ms) Apply(m, bytes);
  const auto r = Capture([&] { return parse_npy(bytes); });
  RC_CLASSIFY(r.threw, "refused");
  if (r.threw) {
    RC_ASSERT(OneLine(r.error));
  } else {
    RC_ASSERT(Consistent(*r.value));
  }
}

// Mutated .safetensors bytes: parse_safetensors throws initcheck::Error with
// a one-line message or returns self-consistent tensors. Catches JSON
// exceptions escaping as nlohmann::json::exception, offsets past the data
// section, overflowing shape products.
RC_GTEST_PROP(IoProperties, MutatedSafetensorsIsRefusedOrConsistent, ()) {
  const Tensor a = Make(*GenTensor().as("tensor a"));
  const Tensor b = Make(*GenTensor().as("tensor b"));
  std::vector<std::byte> bytes =
      encode_safetensors({{"a", &a}, {"b", &b}}, {{"k", "v"}});
  const std::size_t header = bytes.size() - a.nbytes() - b.nbytes();
  const std::vector<Mutation> ms = *GenMutations(bytes.size(), header);
  RC_LOG() << MutationText(ms) << "\n";
  for (const Mutation& m : ms) Apply(m, bytes);
  const auto r = Capture([&] { return parse_safetensors(bytes); });
  RC_CLASSIFY(r.threw, "refused");
  if (r.threw) {
    RC_ASSERT(OneLine(r.error));
  } else {
    for (const auto& [name, t] : *r.value) RC_ASSERT(Consistent(t));
  }
}

}  // namespace
}  // namespace initcheck::props
