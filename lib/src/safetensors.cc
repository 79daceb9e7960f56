// safetensors files (see initcheck/io.h).
//
// Format (https://github.com/huggingface/safetensors, README "Format" and
// safetensors/src/tensor.rs):
//   8 bytes   N, the header length, unsigned 64-bit little-endian
//   N bytes   a UTF-8 JSON object that starts with '{' and may be padded
//             with spaces: {"__metadata__": {str: str} (optional),
//             name: {"dtype": "F32", "shape": [d0, ...],
//                    "data_offsets": [begin, end]}, ...}
//   the rest  the data section; offsets are relative to its start.
// Rules the reference implementation enforces and this reader checks too:
// N <= 100,000,000; no duplicate names; end - begin = numel * element size
// (element sizes in bits: F4 4, F6_* 6, BOOL/U8/I8/F8_* 8, I16/U16/F16/BF16
// 16, I32/U32/F32 32, I64/U64/F64/C64 64); the entries, sorted by offsets,
// tile the data section exactly (no hole, no overlap, nothing after the
// last). Data is little-endian, C order.
//
// The writer emits what the reference serializer emits: compact JSON with
// "__metadata__" first, padded with spaces to a multiple of 8 bytes so the
// data section is 8-byte aligned; tensors go in the caller's order (the
// reference sorts them by dtype alignment and name).
#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "initcheck/checkpoint.h"
#include "initcheck/error.h"
#include "initcheck/internal/text.h"
#include "initcheck/io.h"
#include "io_internal.h"

static_assert(std::endian::native == std::endian::little,
              "initcheck reads and writes little-endian data in place");

namespace initcheck {

namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeaderLen = 100'000'000;
constexpr int kMaxJsonDepth = 64;

struct StDtype {
  std::string_view name;
  int bits;
  std::optional<DType> dtype;
};

// Every dtype of safetensors 0.6 (Dtype::bitsize in tensor.rs).
constexpr StDtype kDtypes[] = {
    {"BOOL", 8, std::nullopt},    {"F4", 4, std::nullopt},
    {"F6_E2M3", 6, std::nullopt}, {"F6_E3M2", 6, std::nullopt},
    {"U8", 8, std::nullopt},      {"I8", 8, std::nullopt},
    {"F8_E5M2", 8, std::nullopt}, {"F8_E4M3", 8, std::nullopt},
    {"F8_E8M0", 8, std::nullopt}, {"I16", 16, std::nullopt},
    {"U16", 16, std::nullopt},    {"F16", 16, DType::kF16},
    {"BF16", 16, DType::kBF16},   {"I32", 32, std::nullopt},
    {"U32", 32, std::nullopt},    {"F32", 32, DType::kF32},
    {"C64", 64, std::nullopt},    {"F64", 64, DType::kF64},
    {"I64", 64, std::nullopt},    {"U64", 64, std::nullopt},
};

const StDtype* FindDtype(std::string_view name) {
  for (const StDtype& d : kDtypes) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::string_view StName(DType t) {
  switch (t) {
    case DType::kF32:
      return "F32";
    case DType::kF64:
      return "F64";
    case DType::kF16:
      return "F16";
    case DType::kBF16:
      return "BF16";
  }
  return "?";
}

std::string Range(uint64_t b, uint64_t e) {
  return "[" + std::to_string(b) + ", " + std::to_string(e) + ")";
}

// Validates the 8-byte length prefix against the file size; returns N.
uint64_t HeaderLength(std::span<const std::byte> prefix, uint64_t file_size,
                      const std::string& what) {
  if (file_size < 8 || prefix.size() < 8) {
    throw Error(what +
                ": not a safetensors file: " + std::to_string(file_size) +
                " bytes is too short for the 8-byte header length");
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(prefix[i]);
  if (n > kMaxHeaderLen) {
    throw Error(what + ": safetensors header length " + std::to_string(n) +
                " exceeds the " + std::to_string(kMaxHeaderLen) +
                "-byte limit (not a safetensors file?)");
  }
  if (8 + n > file_size) {
    throw Error(what + ": safetensors header length " + std::to_string(n) +
                " goes past the end of the file (" + std::to_string(file_size) +
                " bytes)");
  }
  return n;
}

// nlohmann's parser and destructor recurse per nesting level, so deeply
// nested input could exhaust the stack: refuse it before parsing.
void CheckNesting(std::string_view s, const std::string& what) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) {
        throw Error(what + ": safetensors header nests deeper than " +
                    std::to_string(kMaxJsonDepth) + " levels");
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
}

// SAX pass that records the first key repeated within one object (nlohmann
// would silently keep the last one). A separate pass rather than a parse
// callback: nlohmann's callback parser rescans the whole enclosing object
// after every nested object ends (json_sax_dom_callback_parser::end_object,
// "remove discarded value"), which is quadratic in the number of tensors:
// a 6 MB header of 100000 zero-size tensors took 355 s, a 99 MB one of 1.65
// million would take about a day.
class DuplicateKeyFinder final : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    keys_.emplace_back();
    return true;
  }
  bool key(string_t& k) override {
    if (!keys_.empty() && !keys_.back().insert(k).second && !duplicate_) {
      duplicate_ = k;
    }
    return true;
  }
  bool end_object() override {
    if (!keys_.empty()) keys_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  // Stop; the DOM parse below reports the error.
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception&) override {
    return false;
  }

  const std::optional<std::string>& duplicate() const { return duplicate_; }

 private:
  std::vector<std::unordered_set<std::string>> keys_;
  std::optional<std::string> duplicate_;
};

// Parses the JSON, refusing duplicate keys in any object. Invalid JSON is
// reported as such even if it also repeats a key.
json ParseJson(std::string_view text, const std::string& what) {
  DuplicateKeyFinder finder;
  const bool well_formed = json::sax_parse(text.begin(), text.end(), &finder);
  if (well_formed && finder.duplicate()) {
    throw Error(what + ": duplicate key " + internal::quoted(*finder.duplicate()) +
                " in the safetensors header (tensor names must be unique)");
  }
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    std::string msg = e.what();
    if (!msg.empty() &&
        msg[0] == '[') {  // drop "[json.exception.parse_error.101] "
      const std::size_t close = msg.find("] ");
      if (close != std::string::npos) msg = msg.substr(close + 2);
    }
    throw Error(what + ": safetensors header is not valid JSON: " +
                internal::printable(msg, 200));
  }
  return j;
}

// A JSON value as a non-negative integer, or an Error naming `role`.
uint64_t NonNegative(const json& v, const std::string& prefix,
                     const std::string& role) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0)
    return v.get<uint64_t>();  // -0
  if (v.is_number_integer()) {
    throw Error(prefix + role + " is negative (" +
                std::to_string(v.get<int64_t>()) + ")");
  }
  throw Error(prefix + role + " must be a non-negative integer, got " +
              internal::printable(v.dump(), 40));
}

SafetensorsEntry ParseEntry(const std::string& name, const json& v,
                            uint64_t data_size, const std::string& what) {
  const std::string prefix = what + ": tensor " + internal::quoted(name) + ": ";
  if (!v.is_object()) {
    throw Error(prefix +
                "entry must be an object with \"dtype\", \"shape\" and "
                "\"data_offsets\", got " +
                std::string(v.type_name()));
  }
  for (const auto& [key, value] : v.items()) {
    if (key != "dtype" && key != "shape" && key != "data_offsets") {
      throw Error(prefix + "unexpected key " + internal::quoted(key) +
                  " (expected \"dtype\", \"shape\", \"data_offsets\")");
    }
  }
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!v.contains(key)) throw Error(prefix + "missing \"" + key + "\"");
  }
  SafetensorsEntry e;
  e.name = name;
  const json& dt = v.at("dtype");
  if (!dt.is_string()) {
    throw Error(prefix + "\"dtype\" must be a string, got " +
                internal::printable(dt.dump(), 40));
  }
  e.dtype_name = dt.get<std::string>();
  const StDtype* st = FindDtype(e.dtype_name);
  if (st == nullptr) {
    std::string known;
    for (const StDtype& d : kDtypes)
      known += (known.empty() ? "" : ", ") + std::string(d.name);
    throw Error(prefix + "unknown dtype " + internal::quoted(e.dtype_name) +
                " (known: " + known + ")");
  }
  e.dtype = st->dtype;

  const json& shape = v.at("shape");
  if (!shape.is_array()) {
    throw Error(prefix +
                "\"shape\" must be an array of non-negative integers, got " +
                internal::printable(shape.dump(), 40));
  }
  bool zero = false;
  for (const json& d : shape) {
    const uint64_t u = NonNegative(d, prefix, "shape dimension");
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      throw Error(prefix + "shape dimension " + std::to_string(u) +
                  " is too large");
    }
    zero = zero || u == 0;
    e.shape.push_back(static_cast<int64_t>(u));
  }

  const json& off = v.at("data_offsets");
  if (!off.is_array() || off.size() != 2) {
    throw Error(prefix + "\"data_offsets\" must be [begin, end], got " +
                internal::printable(off.dump(), 40));
  }
  e.begin = NonNegative(off[0], prefix, "data_offsets begin");
  e.end = NonNegative(off[1], prefix, "data_offsets end");
  if (e.end < e.begin) {
    throw Error(prefix + "data_offsets [" + std::to_string(e.begin) + ", " +
                std::to_string(e.end) + "] end before they begin");
  }
  if (e.end > data_size) {
    throw Error(what + ": tensor " + internal::quoted(name) + " declares " +
                std::to_string(e.end - e.begin) + " bytes at offsets " +
                Range(e.begin, e.end) + " but the data section has " +
                std::to_string(data_size) + " bytes");
  }
  // Bits needed, checked against overflow; must be whole bytes.
  uint64_t bits = 0;
  if (!zero) {
    bits = static_cast<uint64_t>(st->bits);
    for (int64_t d : e.shape) {
      const uint64_t ud = static_cast<uint64_t>(d);
      if (bits > std::numeric_limits<uint64_t>::max() / ud) {
        throw Error(prefix + "shape " + shape_string(e.shape) + " of " +
                    e.dtype_name +
                    " is too large (its size overflows 64 bits)");
      }
      bits *= ud;
    }
  }
  if (bits % 8 != 0) {
    throw Error(prefix + "shape " + shape_string(e.shape) + " of " +
                e.dtype_name + " is not a whole number of bytes");
  }
  if (bits / 8 != e.end - e.begin) {
    throw Error(prefix + "shape " + shape_string(e.shape) + " of " +
                e.dtype_name + " needs " + std::to_string(bits / 8) +
                " bytes but data_offsets " + Range(e.begin, e.end) + " hold " +
                std::to_string(e.end - e.begin));
  }
  return e;
}

// numel of a validated float entry, checked against the limits and the
// entry's byte range (the entry may come from the caller).
uint64_t CheckReadable(const SafetensorsEntry& e, uint64_t data_size,
                       const ReadLimits& limits, const std::string& what) {
  const std::string prefix = what + ": tensor " + internal::quoted(e.name) + ": ";
  if (!e.dtype) {
    throw Error(
        prefix + "dtype " + e.dtype_name +
        " cannot be read (initcheck reads F32, F64, F16 and BF16 tensors)");
  }
  uint64_t numel = 1;
  for (int64_t d : e.shape) {
    if (d < 0)
      throw Error(prefix + "negative dimension in shape " +
                  shape_string(e.shape));
    if (d == 0) numel = 0;
  }
  if (numel != 0) {
    for (int64_t d : e.shape) {
      if (numel >
          std::numeric_limits<uint64_t>::max() / 8 / static_cast<uint64_t>(d)) {
        throw Error(prefix + "shape " + shape_string(e.shape) +
                    " is too large");
      }
      numel *= static_cast<uint64_t>(d);
    }
  }
  if (e.end < e.begin || e.end > data_size ||
      e.end - e.begin != numel * dtype_size(*e.dtype)) {
    throw Error(prefix + "offsets " + Range(e.begin, e.end) +
                " do not match shape " + shape_string(e.shape) + " of " +
                e.dtype_name + " in a data section of " +
                std::to_string(data_size) + " bytes");
  }
  // Tensor's shape_numel also bounds the non-zero dims of a zero-size shape.
  try {
    (void)shape_numel(e.shape);
  } catch (const Error& err) {
    throw Error(prefix + err.what());
  }
  if (limits.max_elements < 0 ||
      numel > static_cast<uint64_t>(limits.max_elements)) {
    throw Error(prefix + "shape " + shape_string(e.shape) + " has " +
                std::to_string(numel) + " elements, more than the limit of " +
                std::to_string(limits.max_elements) +
                "; raise it with --max-elements");
  }
  return numel;
}

// The JSON header (padded to a multiple of 8 bytes) for the tensors, in
// order; throws Error (without a path) for bad names or tensors.
std::string EncodeHeader(
    const std::vector<std::pair<std::string, const Tensor*>>& tensors,
    const std::map<std::string, std::string>& metadata) {
  auto check_utf8 = [](const std::string& s, const std::string& role) {
    try {
      (void)json(s).dump();
    } catch (const json::exception&) {
      throw Error(role + " " + internal::quoted(s) + " is not valid UTF-8");
    }
  };
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json m = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) {
      check_utf8(k, "metadata key");
      check_utf8(v, "metadata value");
      m[k] = v;
    }
    j["__metadata__"] = std::move(m);
  }
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (t == nullptr) throw Error("tensor " + internal::quoted(name) + " is null");
    if (name == "__metadata__")
      throw Error("a tensor cannot be named '__metadata__'");
    if (!seen.insert(name).second)
      throw Error("duplicate tensor name " + internal::quoted(name));
    check_utf8(name, "tensor name");
    if (shape_numel(t->shape()) != t->numel() ||
        (t->numel() > 0 && t->data() == nullptr)) {
      throw Error("tensor " + internal::quoted(name) + " is empty (default-constructed)");
    }
    const uint64_t n = t->nbytes();
    nlohmann::ordered_json e = nlohmann::ordered_json::object();
    e["dtype"] = StName(t->dtype());
    e["shape"] = t->shape();
    e["data_offsets"] = {offset, offset + n};
    j[name] = std::move(e);
    offset += n;
  }
  std::string header = j.dump();
  header.append((8 - header.size() % 8) % 8, ' ');
  return header;
}

std::span<const std::byte> AsBytes(const std::string& s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

}  // namespace

namespace internal {

ElementInfo safetensors_element(std::string_view dtype_name) {
  ElementInfo e;
  e.name = std::string(dtype_name);
  const StDtype* st = FindDtype(dtype_name);
  if (st == nullptr) return e;
  e.dtype = st->dtype;
  if (st->dtype) {
    e.kind = ElementKind::kFloat;
  } else if (dtype_name == "BOOL") {
    e.kind = ElementKind::kBool;
  } else if (dtype_name[0] == 'I') {
    e.kind = ElementKind::kSignedInt;
  } else if (dtype_name[0] == 'U') {
    e.kind = ElementKind::kUnsignedInt;
  } else {
    return e;  // F4, F6_*, F8_*, C64: no decoder
  }
  e.bytes = st->bits / 8;
  return e;
}

}  // namespace internal

SafetensorsHeader parse_safetensors_header(std::span<const std::byte> prefix,
                                           uint64_t file_size,
                                           const std::string& what) {
  const uint64_t n = HeaderLength(prefix, file_size, what);
  if (prefix.size() < 8 + n) {
    throw Error(what + ": internal error: safetensors header not fully read");
  }
  const std::string_view text(reinterpret_cast<const char*>(prefix.data()) + 8,
                              static_cast<std::size_t>(n));
  if (text.empty() || text[0] != '{') {
    throw Error(what +
                ": safetensors header does not start with '{' (not a "
                "safetensors file?)");
  }
  // nlohmann treats a NUL byte as the end of the input and would ignore
  // whatever follows it; JSON text never contains one (strings escape it).
  if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    throw Error(what + ": safetensors header contains a NUL byte at offset " +
                std::to_string(8 + nul) + " (headers are padded with spaces)");
  }
  CheckNesting(text, what);
  const json j = ParseJson(text, what);
  if (!j.is_object()) {
    throw Error(what + ": safetensors header must be a JSON object");
  }
  SafetensorsHeader h;
  h.data_start = 8 + n;
  const uint64_t data_size = file_size - h.data_start;
  for (const auto& [name, value] : j.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) {
        throw Error(
            what +
            ": \"__metadata__\" must be an object of string values, got " +
            std::string(value.type_name()));
      }
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) {
          throw Error(what + ": \"__metadata__\" value for " + internal::quoted(k) +
                      " must be a string, got " + std::string(v.type_name()));
        }
        h.metadata.emplace(k, v.get<std::string>());
      }
      continue;
    }
    h.entries.push_back(ParseEntry(name, value, data_size, what));
  }
  std::sort(h.entries.begin(), h.entries.end(),
            [](const auto& a, const auto& b) {
              return std::tie(a.begin, a.end, a.name) <
                     std::tie(b.begin, b.end, b.name);
            });
  // The entries must tile [0, data_size).
  uint64_t expected = 0;
  const SafetensorsEntry* previous = nullptr;
  for (const SafetensorsEntry& e : h.entries) {
    if (e.begin > expected) {
      throw Error(what + ": hole in the data section: bytes " +
                  Range(expected, e.begin) +
                  " belong to no tensor (before tensor " + internal::quoted(e.name) + ")");
    }
    if (e.begin < expected) {
      throw Error(what + ": tensor " + internal::quoted(e.name) + " at offsets " +
                  Range(e.begin, e.end) + " overlaps tensor " +
                  internal::quoted(previous->name) + " at " +
                  Range(previous->begin, previous->end));
    }
    expected = e.end;
    previous = &e;
  }
  if (expected != data_size) {
    throw Error(what + ": the data section has " + std::to_string(data_size) +
                " bytes but the tensors cover only " + Range(0, expected) +
                "; " + std::to_string(data_size - expected) +
                " bytes belong to no tensor");
  }
  return h;
}

SafetensorsIndex parse_safetensors_index(std::string_view text,
                                         const std::string& what) {
  // The same guards as the safetensors header: bounded size and nesting,
  // no NUL byte, duplicate keys refused (json.loads would keep the last).
  if (text.size() > kMaxHeaderLen) {
    throw Error(what + ": index of " + std::to_string(text.size()) +
                " bytes exceeds the " + std::to_string(kMaxHeaderLen) +
                "-byte limit (not a safetensors index?)");
  }
  if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    throw Error(what + ": index contains a NUL byte at offset " +
                std::to_string(nul) + " (not a JSON file?)");
  }
  CheckNesting(text, what);
  json j;
  try {
    j = ParseJson(text, what);
  } catch (const Error& e) {
    // ParseJson speaks of "the safetensors header"; say "index".
    std::string m = e.what();
    const std::string from = "safetensors header";
    if (const std::size_t at = m.find(from); at != std::string::npos)
      m.replace(at, from.size(), "safetensors index");
    throw Error(m);
  }
  if (!j.is_object()) {
    throw Error(what + ": a safetensors index must be a JSON object with \"weight_map\", got " +
                std::string(j.type_name()));
  }
  if (j.contains("metadata") && !j.at("metadata").is_object()) {
    throw Error(what + ": \"metadata\" must be an object, got " +
                std::string(j.at("metadata").type_name()));
  }
  if (!j.contains("weight_map")) {
    throw Error(what + ": no \"weight_map\" (a Hugging Face index maps each tensor "
                       "to its shard: {\"weight_map\": {\"name\": \"model-00001-of-00002.safetensors\"}})");
  }
  const json& map = j.at("weight_map");
  if (!map.is_object()) {
    throw Error(what + ": \"weight_map\" must be an object, got " +
                std::string(map.type_name()));
  }
  if (map.empty()) throw Error(what + ": \"weight_map\" lists no tensor");
  SafetensorsIndex idx;
  std::set<std::string> shards;
  for (const auto& [name, shard] : map.items()) {
    if (!shard.is_string()) {
      throw Error(what + ": \"weight_map\" value for tensor " + internal::quoted(name) +
                  " must be a shard file name, got " + internal::printable(shard.dump(), 40));
    }
    const std::string file = shard.get<std::string>();
    if (file.empty() || file == "." || file == ".." ||
        file.find('/') != std::string::npos || file.find('\\') != std::string::npos) {
      throw Error(what + ": shard " + internal::quoted(file) + " of tensor " + internal::quoted(name) +
                  " is not a file name in the index's directory");
    }
    const std::string suffix = ".safetensors";
    if (file.size() <= suffix.size() ||
        file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0) {
      throw Error(what + ": shard " + internal::quoted(file) + " of tensor " + internal::quoted(name) +
                  " is not a .safetensors file");
    }
    idx.weight_map.emplace_back(name, file);
    shards.insert(file);
  }
  idx.shards.assign(shards.begin(), shards.end());
  return idx;
}

SafetensorsReader::SafetensorsReader(const std::string& path,
                                     const ReadLimits& limits)
    : path_(path), limits_(limits) {
  uint64_t size = 0;
  const int fd = internal::open_regular_file(path, &size);
  try {
    std::vector<std::byte> prefix(
        static_cast<std::size_t>(size < 8 ? size : 8));
    internal::pread_exact(fd, prefix.data(), prefix.size(), 0, path);
    const uint64_t n = HeaderLength(prefix, size, path);
    prefix.resize(static_cast<std::size_t>(8 + n));
    internal::pread_exact(fd, prefix.data() + 8, n, 8, path);
    header_ = parse_safetensors_header(prefix, size, path);
  } catch (...) {
    internal::close_fd(fd);
    throw;
  }
  fd_ = fd;
}

SafetensorsReader::~SafetensorsReader() { internal::close_fd(fd_); }

Tensor SafetensorsReader::read(const SafetensorsEntry& entry) const {
  // The entries tile the data section (validated), so it ends where the
  // last one ends.
  const uint64_t data_size =
      header_.entries.empty() ? 0 : header_.entries.back().end;
  CheckReadable(entry, data_size, limits_, path_);
  Tensor t(*entry.dtype, entry.shape);
  internal::pread_exact(fd_, t.data(), entry.end - entry.begin,
                      header_.data_start + entry.begin, path_);
  return t;
}

std::vector<std::pair<std::string, Tensor>> parse_safetensors(
    std::span<const std::byte> bytes, const ReadLimits& limits,
    const std::string& what) {
  const SafetensorsHeader h =
      parse_safetensors_header(bytes, bytes.size(), what);
  const uint64_t data_size = bytes.size() - h.data_start;
  std::vector<std::pair<std::string, Tensor>> out;
  for (const SafetensorsEntry& e : h.entries) {
    if (!e.dtype) continue;
    CheckReadable(e, data_size, limits, what);
    Tensor t(*e.dtype, e.shape);
    if (e.end > e.begin)
      std::memcpy(t.data(), bytes.data() + h.data_start + e.begin,
                  e.end - e.begin);
    out.emplace_back(e.name, std::move(t));
  }
  return out;
}

std::vector<std::byte> encode_safetensors(
    const std::vector<std::pair<std::string, const Tensor*>>& tensors,
    const std::map<std::string, std::string>& metadata) {
  const std::string header = EncodeHeader(tensors, metadata);
  uint64_t total = 8 + header.size();
  for (const auto& [name, t] : tensors) total += t->nbytes();
  std::vector<std::byte> out(static_cast<std::size_t>(total));
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<std::byte>((n >> (8 * i)) & 0xff);
  std::memcpy(out.data() + 8, header.data(), header.size());
  std::size_t pos = 8 + header.size();
  for (const auto& [name, t] : tensors) {
    if (t->nbytes() > 0) std::memcpy(out.data() + pos, t->data(), t->nbytes());
    pos += t->nbytes();
  }
  return out;
}

void write_safetensors(
    const std::string& path,
    const std::vector<std::pair<std::string, const Tensor*>>& tensors,
    const std::map<std::string, std::string>& metadata) {
  std::string header;
  try {
    header = EncodeHeader(tensors, metadata);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  std::string length(8, '\0');
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  std::vector<std::span<const std::byte>> parts = {AsBytes(length),
                                                   AsBytes(header)};
  for (const auto& [name, t] : tensors)
    parts.emplace_back(t->data(), t->nbytes());
  internal::write_file_atomically_parts(path, parts);
}

}  // namespace initcheck
