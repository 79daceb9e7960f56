// Fuzz target: the .safetensors reader (parse_safetensors_header,
// parse_safetensors and the streaming SafetensorsReader).
//
// Invariants checked for every input:
//   - only initcheck::Error escapes, with a one-line message;
//   - parse_safetensors fails iff the header parse fails or a float tensor
//     is refused, with the same message;
//   - the streaming reader on the same bytes in a file agrees: the same
//     header (entries, metadata), the same float tensors, the same errors;
//   - ReadLimits::max_elements is honoured (limit 64);
//   - a validated header is consistent: entries sorted by offset tile the
//     data section, end - begin = numel * element size, names unique;
//   - the writer round-trips the float tensors and the metadata.
#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_util.h"
#include "initcheck/error.h"
#include "initcheck/io.h"

namespace {

using initcheck::Error;
using initcheck::ReadLimits;
using initcheck::SafetensorsEntry;
using initcheck::SafetensorsHeader;
using initcheck::Tensor;
using Named = std::vector<std::pair<std::string, Tensor>>;

constexpr int64_t kSmallLimit = 64;

bool SameTensor(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         a.numel() == b.numel() &&
         (a.nbytes() == 0 || std::memcmp(a.data(), b.data(), a.nbytes()) == 0);
}

bool SameNamed(const Named& a, const Named& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].first != b[i].first || !SameTensor(a[i].second, b[i].second))
      return false;
  }
  return true;
}

// Equal up to order, compared by name (the order of zero-size tensors
// sharing an offset may change through a rewrite).
bool SameByName(const Named& a, const Named& b) {
  if (a.size() != b.size()) return false;
  std::map<std::string, const Tensor*> m;
  for (const auto& [name, t] : a) m.emplace(name, &t);
  if (m.size() != a.size()) return false;
  for (const auto& [name, t] : b) {
    const auto it = m.find(name);
    if (it == m.end() || !SameTensor(*it->second, t)) return false;
  }
  return true;
}

bool SameEntry(const SafetensorsEntry& a, const SafetensorsEntry& b) {
  return a.name == b.name && a.dtype_name == b.dtype_name &&
         a.dtype == b.dtype && a.shape == b.shape && a.begin == b.begin &&
         a.end == b.end;
}

struct Outcome {
  std::optional<Named> tensors;
  std::string error;
};

template <class F>
Outcome Run(F&& f) {
  Outcome o;
  try {
    o.tensors = f();
  } catch (const Error& e) {
    initcheck::fuzz::CheckMessage(e.what());
    o.error = e.what();
  }
  return o;
}

// What parse_safetensors returns, through the streaming reader.
Named ReadAll(const std::string& path, const ReadLimits& limits,
              SafetensorsHeader* header) {
  initcheck::SafetensorsReader reader(path, limits);
  *header = reader.header();
  Named out;
  for (const SafetensorsEntry& e : reader.header().entries) {
    if (!e.dtype) continue;
    out.emplace_back(e.name, reader.read(e));
  }
  return out;
}

void CheckHeader(const SafetensorsHeader& h, uint64_t file_size) {
  uint64_t expected = 0;
  std::set<std::string> names;
  for (const SafetensorsEntry& e : h.entries) {
    INITCHECK_FUZZ_CHECK(e.begin == expected, e.name);
    INITCHECK_FUZZ_CHECK(e.end >= e.begin, e.name);
    INITCHECK_FUZZ_CHECK(names.insert(e.name).second, "duplicate " + e.name);
    INITCHECK_FUZZ_CHECK(e.name != "__metadata__", e.name);
    expected = e.end;
    if (e.dtype) {
      const int64_t numel = initcheck::shape_numel(e.shape);  // must not throw
      INITCHECK_FUZZ_CHECK(
          static_cast<uint64_t>(numel) * initcheck::dtype_size(*e.dtype) ==
              e.end - e.begin,
          e.name);
    }
  }
  INITCHECK_FUZZ_CHECK(
      h.data_start >= 8 && h.data_start + expected == file_size,
      "entries do not tile the data section");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static initcheck::fuzz::ScratchFile scratch;
  const auto bytes = initcheck::fuzz::AsBytes(data, size);
  const std::string& path = scratch.Write(data, size);

  // The header alone.
  std::optional<SafetensorsHeader> header;
  std::string header_error;
  try {
    header = initcheck::parse_safetensors_header(bytes, size, path);
  } catch (const Error& e) {
    initcheck::fuzz::CheckMessage(e.what());
    header_error = e.what();
  }
  if (header) CheckHeader(*header, size);

  // Everything in memory, and through the file reader.
  const Outcome mem =
      Run([&] { return initcheck::parse_safetensors(bytes, {}, path); });
  if (!header) {
    INITCHECK_FUZZ_CHECK(!mem.tensors && mem.error == header_error,
                         "header: " + header_error + " | parse: " + mem.error);
  }
  SafetensorsHeader file_header;
  const Outcome file = Run([&] { return ReadAll(path, {}, &file_header); });
  INITCHECK_FUZZ_CHECK(mem.tensors.has_value() == file.tensors.has_value(),
                       "parse: " + mem.error + " | reader: " + file.error);
  INITCHECK_FUZZ_CHECK(mem.error == file.error,
                       "parse: " + mem.error + " | reader: " + file.error);
  if (mem.tensors) {
    INITCHECK_FUZZ_CHECK(SameNamed(*mem.tensors, *file.tensors),
                         "reader differs");
    INITCHECK_FUZZ_CHECK(header.has_value(), "parsed without a valid header");
    INITCHECK_FUZZ_CHECK(file_header.metadata == header->metadata,
                         "metadata differs");
    INITCHECK_FUZZ_CHECK(file_header.entries.size() == header->entries.size(),
                         "entries");
    for (size_t i = 0; i < header->entries.size(); ++i) {
      INITCHECK_FUZZ_CHECK(
          SameEntry(file_header.entries[i], header->entries[i]), "entry");
    }
  }

  // The element limit.
  ReadLimits small;
  small.max_elements = kSmallLimit;
  const Outcome lim =
      Run([&] { return initcheck::parse_safetensors(bytes, small, path); });
  SafetensorsHeader unused;
  const Outcome lim_file = Run([&] { return ReadAll(path, small, &unused); });
  INITCHECK_FUZZ_CHECK(lim.error == lim_file.error,
                       "parse: " + lim.error + " | reader: " + lim_file.error);
  if (mem.tensors) {
    bool fits = true;
    for (const auto& [name, t] : *mem.tensors)
      fits = fits && t.numel() <= kSmallLimit;
    INITCHECK_FUZZ_CHECK(lim.tensors.has_value() == fits, lim.error);
    if (lim.tensors)
      INITCHECK_FUZZ_CHECK(SameNamed(*lim.tensors, *mem.tensors), "limit");
    if (!fits) {
      INITCHECK_FUZZ_CHECK(
          lim.error.find("raise it with --max-elements") != std::string::npos,
          lim.error);
    }
  } else {
    INITCHECK_FUZZ_CHECK(
        !lim.tensors,
        "limited parse succeeded where the unlimited one did not");
  }

  if (!mem.tensors) return 0;
  uint64_t total = 0;
  for (const auto& [name, t] : *mem.tensors) {
    INITCHECK_FUZZ_CHECK(t.numel() == initcheck::shape_numel(t.shape()), name);
    total += t.nbytes();
  }
  INITCHECK_FUZZ_CHECK(total <= size, "tensors larger than the file");

  // Rewrite the float tensors with the metadata and read them back.
  std::vector<std::pair<std::string, const Tensor*>> refs;
  for (const auto& [name, t] : *mem.tensors) refs.emplace_back(name, &t);
  std::vector<std::byte> enc;
  try {
    enc = initcheck::encode_safetensors(refs, header->metadata);
  } catch (const Error& e) {
    INITCHECK_FUZZ_CHECK(false, std::string("cannot re-encode: ") + e.what());
  }
  Named back;
  SafetensorsHeader back_header;
  try {
    back = initcheck::parse_safetensors(enc);
    back_header = initcheck::parse_safetensors_header(enc, enc.size());
  } catch (const Error& e) {
    INITCHECK_FUZZ_CHECK(false,
                         std::string("re-encoded file refused: ") + e.what());
  }
  INITCHECK_FUZZ_CHECK(SameByName(back, *mem.tensors), "round trip");
  INITCHECK_FUZZ_CHECK(back_header.metadata == header->metadata,
                       "metadata round trip");
  return 0;
}
