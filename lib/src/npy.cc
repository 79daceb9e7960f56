// NumPy .npy files (see initcheck/io.h).
//
// Format (numpy.lib.format, "NEP 1", versions 1.0, 2.0 and 3.0):
//   bytes 0-5   magic "\x93NUMPY"
//   bytes 6-7   major, minor version: (1, 0), (2, 0) or (3, 0)
//   then        header length HLEN: u16 little-endian (1.0) or u32 LE (2.0,
//               3.0)
//   HLEN bytes  the repr of a Python dict with exactly the keys 'descr' (a
//               dtype string), 'fortran_order' (True/False) and 'shape' (a
//               tuple of ints), padded with spaces and ending in '\n'; latin-1
//               (1.0, 2.0) or UTF-8 (3.0)
//   the rest    the elements, C or Fortran order, exactly numel * itemsize
//               bytes.
// NumPy writes the dict with sorted keys and ", " separators, adds
// GROWTH_AXIS_MAX_DIGITS (21) - len(repr(shape[0])) spaces when the shape is
// not empty (so appending can grow the first axis in place; NumPy >= 1.24),
// then pads with spaces so that magic + length + header is a multiple of 64
// bytes (ARRAY_ALIGN; a full 64 when it already is) and ends with '\n'. It
// uses 1.0 unless the header length does not fit in a u16, then 2.0.
// encode_npy reproduces that byte for byte.
//
// The header is parsed by a small parser for the subset of Python literals a
// header can hold (strings in ' or ", ints, True/False/None, tuples, lists,
// dicts), never by evaluating it.
#include <bit>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "initcheck/error.h"
#include "initcheck/internal/text.h"
#include "initcheck/io.h"
#include "io_internal.h"

static_assert(std::endian::native == std::endian::little,
              "initcheck reads and writes little-endian data in place");

namespace initcheck {

namespace {

constexpr char kMagic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};
// Longest header accepted. NumPy itself refuses headers over 10000 bytes by
// default (max_header_size); this leaves room for shapes of high rank.
constexpr uint64_t kMaxHeaderLen = uint64_t{1} << 20;
constexpr int kMaxLiteralDepth = 32;
constexpr const char* kSupported =
    "initcheck reads float arrays: '<f4', '<f8', '<f2' and bfloat16 ('<V2')";

// ---- Python literal parser -------------------------------------------------

struct PyValue {
  enum class Kind { kStr, kInt, kFloat, kBool, kNone, kTuple, kList, kDict };
  Kind kind = Kind::kNone;
  std::string str;                // kStr: the decoded string
  int64_t integer = 0;            // kInt, when !too_big
  bool too_big = false;           // kInt outside int64
  bool boolean = false;           // kBool
  std::vector<std::string> keys;  // kDict keys (in order; values in items)
  std::vector<PyValue> items;     // kTuple/kList elements, kDict values
  std::string_view text;          // the source text of the value
};

std::string_view KindName(PyValue::Kind k) {
  switch (k) {
    case PyValue::Kind::kStr:
      return "a string";
    case PyValue::Kind::kInt:
      return "an integer";
    case PyValue::Kind::kFloat:
      return "a float";
    case PyValue::Kind::kBool:
      return "a bool";
    case PyValue::Kind::kNone:
      return "None";
    case PyValue::Kind::kTuple:
      return "a tuple";
    case PyValue::Kind::kList:
      return "a list";
    case PyValue::Kind::kDict:
      return "a dict";
  }
  return "?";
}

class LiteralParser {
 public:
  LiteralParser(std::string_view text, const std::string& what)
      : s_(text), what_(what) {}

  // The header: a dict, then only whitespace.
  PyValue ParseHeader() {
    SkipSpace();
    if (AtEnd()) Fail("the header is empty");
    if (s_[pos_] != '{') Fail("expected '{' to start the header dict");
    PyValue v = ParseValue(0);
    SkipSpace();
    if (!AtEnd()) Fail("unexpected text after the header dict");
    return v;
  }

 private:
  bool AtEnd() const { return pos_ >= s_.size(); }
  static bool IsSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
  }
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  static bool IsNameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(s_[pos_])) ++pos_;
  }

  // The message quotes up to 80 characters of the header around the
  // error, without the trailing padding.
  [[noreturn]] void Fail(const std::string& msg) const {
    std::size_t end = s_.size();
    while (end > 0 && IsSpace(s_[end - 1])) --end;
    const std::size_t from = pos_ > 50 ? pos_ - 40 : 0;
    const std::string_view near =
        from < end ? s_.substr(from, end - from) : std::string_view();
    throw Error(what_ + ": malformed .npy header: " + msg + " at character " +
                std::to_string(pos_) + " of \"" + (from > 0 ? "..." : "") +
                internal::printable(near, 80) + "\"");
  }

  PyValue ParseValue(int depth) {
    SkipSpace();
    if (AtEnd()) Fail("unexpected end of the header");
    const char c = s_[pos_];
    if (c == '\'' || c == '"') return ParseString();
    if (IsDigit(c) || c == '-' || c == '+') return ParseNumber();
    if (IsNameStart(c)) return ParseName();
    if (c == '(' || c == '[' || c == '{') {
      if (depth >= kMaxLiteralDepth) {
        Fail("values nested deeper than " + std::to_string(kMaxLiteralDepth) +
             " levels");
      }
      if (c == '{') return ParseDict(depth + 1);
      return ParseSequence(depth + 1);
    }
    Fail("unexpected character '" +
         internal::printable(std::string_view(&s_[pos_], 1), 4) + "'");
  }

  PyValue ParseString() {
    const std::size_t start = pos_;
    const char quote = s_[pos_++];
    PyValue v;
    v.kind = PyValue::Kind::kStr;
    while (true) {
      if (AtEnd() || s_[pos_] == '\n') {
        pos_ = start;
        Fail("unterminated string");
      }
      const char c = s_[pos_++];
      if (c == quote) break;
      if (c == '\\') {
        if (AtEnd()) continue;  // reported as unterminated above
        const char e = s_[pos_];
        if (e != '\\' && e != '\'' && e != '"')
          Fail("unsupported escape in a string");
        v.str.push_back(e);
        ++pos_;
        continue;
      }
      v.str.push_back(c);
    }
    v.text = s_.substr(start, pos_ - start);
    return v;
  }

  PyValue ParseNumber() {
    const std::size_t start = pos_;
    bool negative = false;
    if (s_[pos_] == '-' || s_[pos_] == '+') negative = s_[pos_++] == '-';
    if (AtEnd() || !IsDigit(s_[pos_])) Fail("expected a digit");
    PyValue v;
    v.kind = PyValue::Kind::kInt;
    uint64_t mag = 0;
    const uint64_t limit =
        negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
    while (!AtEnd() && IsDigit(s_[pos_])) {
      const uint64_t d = static_cast<uint64_t>(s_[pos_++] - '0');
      if (mag > (limit - d) / 10) v.too_big = true;
      if (!v.too_big) mag = mag * 10 + d;
    }
    if (!AtEnd() && (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E')) {
      v.kind = PyValue::Kind::kFloat;
      while (!AtEnd() &&
             (IsDigit(s_[pos_]) || s_[pos_] == '.' || s_[pos_] == 'e' ||
              s_[pos_] == 'E' || s_[pos_] == '+' || s_[pos_] == '-')) {
        ++pos_;
      }
    } else if (!AtEnd() && (s_[pos_] == 'L' || s_[pos_] == 'l')) {
      ++pos_;  // Python 2 long suffix, as in headers written by Python 2
    }
    if (!AtEnd() && (IsNameStart(s_[pos_]) || IsDigit(s_[pos_])))
      Fail("malformed number");
    if (v.kind == PyValue::Kind::kInt && !v.too_big) {
      v.integer =
          negative ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
    }
    v.text = s_.substr(start, pos_ - start);
    return v;
  }

  PyValue ParseName() {
    const std::size_t start = pos_;
    while (!AtEnd() && (IsNameStart(s_[pos_]) || IsDigit(s_[pos_]))) ++pos_;
    PyValue v;
    v.text = s_.substr(start, pos_ - start);
    if (v.text == "True" || v.text == "False") {
      v.kind = PyValue::Kind::kBool;
      v.boolean = v.text == "True";
    } else if (v.text == "None") {
      v.kind = PyValue::Kind::kNone;
    } else {
      pos_ = start;
      Fail("unexpected name '" + internal::printable(v.text, 40) +
           "' (only literals True, False and None are allowed)");
    }
    return v;
  }

  // (a, b, ...) or [a, b, ...]; trailing comma allowed; "(x)" without a comma
  // is just x, as in Python.
  PyValue ParseSequence(int depth) {
    const std::size_t start = pos_;
    const char open = s_[pos_++];
    const char close = open == '(' ? ')' : ']';
    PyValue v;
    v.kind = open == '(' ? PyValue::Kind::kTuple : PyValue::Kind::kList;
    bool saw_comma = false;
    while (true) {
      SkipSpace();
      if (AtEnd()) Fail(std::string("missing '") + close + "'");
      if (s_[pos_] == close) {
        ++pos_;
        break;
      }
      v.items.push_back(ParseValue(depth));
      SkipSpace();
      if (AtEnd()) Fail(std::string("missing '") + close + "'");
      if (s_[pos_] == ',') {
        ++pos_;
        saw_comma = true;
      } else if (s_[pos_] != close) {
        Fail(std::string("expected ',' or '") + close + "'");
      }
    }
    if (open == '(' && v.items.size() == 1 && !saw_comma) {
      PyValue inner = std::move(v.items[0]);
      inner.text = s_.substr(start, pos_ - start);
      return inner;
    }
    v.text = s_.substr(start, pos_ - start);
    return v;
  }

  PyValue ParseDict(int depth) {
    const std::size_t start = pos_++;
    PyValue v;
    v.kind = PyValue::Kind::kDict;
    while (true) {
      SkipSpace();
      if (AtEnd()) Fail("missing '}'");
      if (s_[pos_] == '}') {
        ++pos_;
        break;
      }
      const std::size_t key_pos = pos_;
      PyValue key = ParseValue(depth);
      if (key.kind != PyValue::Kind::kStr) {
        pos_ = key_pos;
        Fail("dict keys must be strings");
      }
      SkipSpace();
      if (AtEnd() || s_[pos_] != ':') Fail("expected ':' after a dict key");
      ++pos_;
      v.keys.push_back(std::move(key.str));
      v.items.push_back(ParseValue(depth));
      SkipSpace();
      if (AtEnd()) Fail("missing '}'");
      if (s_[pos_] == ',') {
        ++pos_;
      } else if (s_[pos_] != '}') {
        Fail("expected ',' or '}'");
      }
    }
    v.text = s_.substr(start, pos_ - start);
    return v;
  }

  std::string_view s_;
  const std::string& what_;
  std::size_t pos_ = 0;
};

// ---- header ----------------------------------------------------------------

struct NpyPreamble {
  int major = 1;
  uint64_t header_start = 10;  // offset of the dict text
  uint64_t header_len = 0;
};

using NpyHeader = internal::NpyInfo;

uint64_t LoadLE(const std::byte* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// `first` holds the first min(total, 12) bytes or more of a file of `total`
// bytes.
NpyPreamble ParsePreamble(std::span<const std::byte> first, uint64_t total,
                          const std::string& what) {
  if (total == 0) throw Error(what + ": empty file, not a .npy file");
  if (total < sizeof(kMagic) ||
      std::memcmp(first.data(), kMagic, sizeof(kMagic)) != 0) {
    throw Error(what + ": not a .npy file (bad magic; expected \\x93NUMPY)");
  }
  if (total < 8)
    throw Error(what + ": truncated .npy header (file has " +
                std::to_string(total) + " bytes)");
  NpyPreamble p;
  p.major = static_cast<uint8_t>(first[6]);
  const int minor = static_cast<uint8_t>(first[7]);
  if ((p.major != 1 && p.major != 2 && p.major != 3) || minor != 0) {
    throw Error(what + ": unsupported .npy format version " +
                std::to_string(p.major) + "." + std::to_string(minor) +
                " (initcheck reads 1.0, 2.0 and 3.0)");
  }
  const int len_bytes = p.major == 1 ? 2 : 4;
  p.header_start = 8 + static_cast<uint64_t>(len_bytes);
  if (total < p.header_start) {
    throw Error(what + ": truncated .npy header (file has " +
                std::to_string(total) + " bytes)");
  }
  p.header_len = LoadLE(first.data() + 8, len_bytes);
  if (p.header_len > kMaxHeaderLen) {
    throw Error(what + ": .npy header length " + std::to_string(p.header_len) +
                " is larger than the " + std::to_string(kMaxHeaderLen) +
                "-byte limit");
  }
  if (p.header_start + p.header_len > total) {
    throw Error(what + ": .npy header length " + std::to_string(p.header_len) +
                " goes past the end of the file (" + std::to_string(total) +
                " bytes)");
  }
  return p;
}

// The element type a descr names: the float types initcheck computes with,
// and (for checkpoints: exact checks of buffers such as BatchNorm's
// num_batches_tracked) little-endian integers and bools. Everything else is
// refused with a message saying what to write instead.
internal::ElementInfo DescrToElement(const PyValue& v, const std::string& what) {
  using K = PyValue::Kind;
  using EK = ElementKind;
  if (v.kind == K::kList) {
    throw Error(what + ": structured dtype " + internal::printable(v.text, 60) +
                " is not supported; " + kSupported);
  }
  if (v.kind != K::kStr) {
    throw Error(what + ": 'descr' must be a dtype string such as '<f4', got " +
                internal::printable(v.text, 60));
  }
  const std::string& d = v.str;
  if (d == "<f4") return {EK::kFloat, 4, DType::kF32, d};
  if (d == "<f8") return {EK::kFloat, 8, DType::kF64, d};
  if (d == "<f2") return {EK::kFloat, 2, DType::kF16, d};
  if (d == "<V2" || d == "bfloat16") return {EK::kFloat, 2, DType::kBF16, d};
  // Integers and bools: '<i8', '|i1', '<u4', '|u1', '|b1' (and '?').
  if (d == "|b1" || d == "?" || d == "<b1") return {EK::kBool, 1, std::nullopt, d};
  if (d.size() == 3 && (d[0] == '<' || d[0] == '|') && (d[1] == 'i' || d[1] == 'u') &&
      (d[2] == '1' || d[2] == '2' || d[2] == '4' || d[2] == '8') &&
      (d[0] == '<' || d[2] == '1')) {
    return {d[1] == 'i' ? EK::kSignedInt : EK::kUnsignedInt, d[2] - '0', std::nullopt, d};
  }
  std::string q = "'";  // += avoids a false GCC 12 -Wrestrict (bug 105651)
  q += internal::printable(d, 40);
  q += "'";
  const std::string body = d.size() > 1 ? d.substr(1) : "";
  const bool float_body = body == "f2" || body == "f4" || body == "f8";
  const bool int_body = body.size() == 2 && (body[0] == 'i' || body[0] == 'u' || body[0] == 'b');
  if (!d.empty() && d[0] == '>' && (float_body || int_body)) {
    throw Error(what + ": big-endian dtype " + q +
                " is not supported; convert with arr.astype('<" + body + "')");
  }
  if (d == ">V2") {
    throw Error(what +
                ": big-endian dtype '>V2' is not supported; save bfloat16 data "
                "little-endian ('<V2')");
  }
  if (!d.empty() && d[0] == '=' && (float_body || int_body)) {
    throw Error(what + ": native-byte-order dtype " + q +
                " is not supported; convert with arr.astype('<" + body + "')");
  }
  if (!d.empty() && d[0] == '|' && float_body) {
    throw Error(what + ": dtype " + q +
                " is invalid: a float dtype needs a byte order, '<" + body +
                "'");
  }
  if (d == "|V2") {
    throw Error(
        what +
        ": dtype '|V2' is raw 2-byte void data; if it holds bfloat16 values, "
        "save the array with dtype ml_dtypes.bfloat16 ('<V2')");
  }
  if (d == "float32" || d == "float64" || d == "float16") {
    const char* want = d == "float32" ? "<f4" : d == "float64" ? "<f8" : "<f2";
    throw Error(what + ": dtype name " + q +
                " has no byte order; write it as '" + want + "'");
  }
  const char kind = body.empty() ? (d.empty() ? '\0' : d[0]) : body[0];
  if (kind == 'O') {
    throw Error(
        what + ": object arrays (dtype " + q +
        ") are not supported; save a float array, e.g. arr.astype('<f4')");
  }
  throw Error(what + ": unsupported dtype " + q + "; " + kSupported);
}

// The float type of a header read by the float-only readers (read_npy,
// NpyReader, parse_npy); integers and bools are refused as before.
DType FloatOnly(const internal::ElementInfo& e, const std::string& what) {
  if (e.dtype) return *e.dtype;
  throw Error(what + ": integer/bool dtype '" + internal::printable(e.name, 40) +
              "' is not supported; " + kSupported + "; convert with arr.astype('<f4')");
}

// Parses and validates the preamble and header dict of a .npy file of
// `total` bytes whose first bytes (at least through the header) are
// `prefix`, and checks that the data has exactly the size the header implies.
NpyHeader ParseNpyHeader(std::span<const std::byte> prefix, uint64_t total,
                         const std::string& what) {
  const NpyPreamble pre = ParsePreamble(prefix, total, what);
  if (prefix.size() < pre.header_start + pre.header_len) {
    throw Error(what + ": internal error: .npy header not fully read");
  }
  const std::string_view text(
      reinterpret_cast<const char*>(prefix.data()) + pre.header_start,
      pre.header_len);
  LiteralParser parser(text, what);
  const PyValue dict = parser.ParseHeader();

  const PyValue* descr = nullptr;
  const PyValue* fortran = nullptr;
  const PyValue* shape = nullptr;
  for (std::size_t i = 0; i < dict.keys.size(); ++i) {
    const std::string& k = dict.keys[i];
    const PyValue** slot = k == "descr"           ? &descr
                           : k == "fortran_order" ? &fortran
                           : k == "shape"         ? &shape
                                                  : nullptr;
    if (slot == nullptr) {
      throw Error(
          what + ": unexpected key '" + internal::printable(k, 40) +
          "' in the .npy header (expected 'descr', 'fortran_order', 'shape')");
    }
    if (*slot != nullptr)
      throw Error(what + ": duplicate key '" + k + "' in the .npy header");
    *slot = &dict.items[i];
  }
  for (const auto& [slot, name] :
       {std::pair{descr, "descr"}, std::pair{fortran, "fortran_order"},
        std::pair{shape, "shape"}}) {
    if (slot == nullptr)
      throw Error(what + ": the .npy header has no '" + name + "' key");
  }

  NpyHeader h;
  h.data_offset = pre.header_start + pre.header_len;
  h.element = DescrToElement(*descr, what);
  if (fortran->kind != PyValue::Kind::kBool) {
    throw Error(what + ": 'fortran_order' must be True or False, got " +
                internal::printable(fortran->text, 40));
  }
  h.fortran = fortran->boolean;
  if (shape->kind != PyValue::Kind::kTuple) {
    throw Error(what +
                ": 'shape' must be a tuple of non-negative integers such as "
                "(3,) or (2, 3), got " +
                std::string(KindName(shape->kind)) + " " +
                internal::printable(shape->text, 60));
  }
  bool zero = false;
  for (const PyValue& d : shape->items) {
    if (d.kind != PyValue::Kind::kInt) {
      throw Error(what + ": shape " + internal::printable(shape->text, 60) +
                  " has a non-integer dimension " +
                  internal::printable(d.text, 30));
    }
    if (d.too_big) {
      throw Error(what + ": shape " + internal::printable(shape->text, 60) +
                  " has dimension " + internal::printable(d.text, 30) +
                  " outside the 64-bit range");
    }
    if (d.integer < 0) {
      throw Error(what + ": shape " + internal::printable(shape->text, 60) +
                  " has a negative dimension " + std::to_string(d.integer));
    }
    zero = zero || d.integer == 0;
    h.shape.push_back(d.integer);
  }
  // numel and nbytes, checked against overflow before anything uses them.
  const std::size_t item = static_cast<std::size_t>(h.element.bytes);
  h.numel = 1;
  if (zero) {
    h.numel = 0;
  } else {
    for (int64_t d : h.shape) {
      const uint64_t ud = static_cast<uint64_t>(d);
      if (h.numel > std::numeric_limits<uint64_t>::max() / item / ud) {
        throw Error(what + ": shape " + shape_string(h.shape) +
                    " has too many elements (the byte size overflows 64 bits)");
      }
      h.numel *= ud;
    }
  }
  h.nbytes = h.numel * item;
  // Tensor's shape_numel also bounds the product of the non-zero dims (by
  // 2^62) for a zero-size array; report that with the file name.
  try {
    (void)shape_numel(h.shape);
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
  return h;
}

// Checks the data length and the element limit; nothing is allocated before.
void CheckData(const NpyHeader& h, uint64_t data_len, const ReadLimits& limits,
               const std::string& what) {
  if (data_len < h.nbytes) {
    throw Error(what + ": truncated: expected " + std::to_string(h.nbytes) +
                " data bytes, found " + std::to_string(data_len) + " (shape " +
                shape_string(h.shape) + ")");
  }
  if (data_len > h.nbytes) {
    throw Error(what + ": " + std::to_string(data_len - h.nbytes) +
                " trailing bytes after the data: expected " +
                std::to_string(h.nbytes) + " data bytes for shape " +
                shape_string(h.shape) + ", found " + std::to_string(data_len));
  }
  if (limits.max_elements < 0 ||
      h.numel > static_cast<uint64_t>(limits.max_elements)) {
    throw Error(what + ": shape " + shape_string(h.shape) + " has " +
                std::to_string(h.numel) + " elements, more than the limit of " +
                std::to_string(limits.max_elements) +
                "; raise it with --max-elements");
  }
}

// Copies a Fortran-ordered array into C order: walks the C-order output with
// an odometer and keeps the matching Fortran offset up to date.
template <std::size_t kSize>
void FortranToC(const std::byte* src, std::byte* dst, const Shape& shape,
                uint64_t numel) {
  const std::size_t rank = shape.size();
  std::vector<uint64_t> stride(rank), idx(rank, 0);
  uint64_t s = 1;
  for (std::size_t k = 0; k < rank; ++k) {
    stride[k] = s;
    s *= static_cast<uint64_t>(shape[k]);
  }
  uint64_t off = 0;
  for (uint64_t i = 0; i < numel; ++i) {
    std::memcpy(dst + i * kSize, src + off * kSize, kSize);
    std::size_t k = rank - 1;
    while (true) {
      off += stride[k];
      if (++idx[k] < static_cast<uint64_t>(shape[k])) break;
      off -= stride[k] * static_cast<uint64_t>(shape[k]);
      idx[k] = 0;
      if (k == 0) break;
      --k;
    }
  }
}

// The shape without its dimensions of size 1, which change neither the C
// nor the Fortran order of the elements. FortranToC's odometer carries
// through every trailing 1 on each element, so a crafted header with
// thousands of unit dimensions would cost numel x rank steps (hours for a
// file of 100 MB); squeezed, the rank is at most 62 (every dim >= 2, numel
// <= 2^62).
Shape SqueezeOnes(const Shape& shape) {
  Shape out;
  for (int64_t d : shape) {
    if (d != 1) out.push_back(d);
  }
  return out;
}

// Fills `t` from the file's data bytes (`src`, in the header's order).
void StoreData(const NpyHeader& h, const std::byte* src, std::byte* dst) {
  if (h.nbytes == 0) return;
  const Shape squeezed = h.fortran ? SqueezeOnes(h.shape) : Shape{};
  if (!h.fortran || squeezed.size() <= 1) {
    std::memcpy(dst, src, h.nbytes);
    return;
  }
  switch (h.element.bytes) {
    case 1:
      FortranToC<1>(src, dst, squeezed, h.numel);
      break;
    case 2:
      FortranToC<2>(src, dst, squeezed, h.numel);
      break;
    case 4:
      FortranToC<4>(src, dst, squeezed, h.numel);
      break;
    default:
      FortranToC<8>(src, dst, squeezed, h.numel);
      break;
  }
}

std::string_view Descr(DType t) {
  switch (t) {
    case DType::kF32:
      return "<f4";
    case DType::kF64:
      return "<f8";
    case DType::kF16:
      return "<f2";
    case DType::kBF16:
      return "<V2";
  }
  return "?";
}

// The preamble and header NumPy writes for `t` (see the top of the file).
std::string EncodeHeader(const Tensor& t) {
  if (shape_numel(t.shape()) != t.numel() ||
      (t.numel() > 0 && t.data() == nullptr)) {
    throw Error("cannot write an empty (default-constructed) tensor");
  }
  const Shape& shape = t.shape();
  std::string dict = "{'descr': '";
  dict += Descr(t.dtype());
  dict += "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1) dict += ",";
  dict += "), }";
  if (!shape.empty()) {
    const std::size_t digits = std::to_string(shape[0]).size();
    if (digits < 21) dict.append(21 - digits, ' ');
  }
  const uint64_t hlen = dict.size() + 1;  // + '\n'
  int major = 1;
  uint64_t prefix = 10;
  uint64_t pad = 64 - (prefix + hlen) % 64;
  if (hlen + pad > 0xffff) {
    major = 2;
    prefix = 12;
    pad = 64 - (prefix + hlen) % 64;
  }
  const uint64_t field = hlen + pad;
  std::string out(kMagic, sizeof(kMagic));
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  for (uint64_t i = 0; i < prefix - 8; ++i)
    out.push_back(static_cast<char>((field >> (8 * i)) & 0xff));
  out += dict;
  out.append(pad, ' ');
  out.push_back('\n');
  return out;
}

}  // namespace

Tensor parse_npy(std::span<const std::byte> bytes, const ReadLimits& limits,
                 const std::string& what) {
  const NpyHeader h = ParseNpyHeader(bytes, bytes.size(), what);
  const DType dtype = FloatOnly(h.element, what);
  CheckData(h, bytes.size() - h.data_offset, limits, what);
  Tensor t(dtype, h.shape);
  StoreData(h, bytes.data() + h.data_offset, t.data());
  return t;
}

struct NpyReader::Impl {
  std::string path;
  int fd = -1;
  NpyHeader header;
  DType dtype = DType::kF32;
};

NpyReader::NpyReader(const std::string& path, const ReadLimits& limits)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  uint64_t total = 0;
  impl_->fd = internal::open_regular_file(path, &total);
  try {
    // The preamble, then the header it announces (bounded by kMaxHeaderLen
    // and the file size); the data is only checked against the header here.
    std::vector<std::byte> prefix(static_cast<std::size_t>(total < 12 ? total : 12));
    internal::pread_exact(impl_->fd, prefix.data(), prefix.size(), 0, path);
    const NpyPreamble pre = ParsePreamble(prefix, total, path);
    prefix.resize(static_cast<std::size_t>(pre.header_start + pre.header_len));
    internal::pread_exact(impl_->fd, prefix.data(), prefix.size(), 0, path);
    impl_->header = ParseNpyHeader(prefix, total, path);
    impl_->dtype = FloatOnly(impl_->header.element, path);
    CheckData(impl_->header, total - impl_->header.data_offset, limits, path);
  } catch (...) {
    internal::close_fd(impl_->fd);
    throw;
  }
}

NpyReader::~NpyReader() { internal::close_fd(impl_->fd); }

DType NpyReader::dtype() const { return impl_->dtype; }
const Shape& NpyReader::shape() const { return impl_->header.shape; }

Tensor NpyReader::read() const {
  const NpyHeader& h = impl_->header;
  Tensor t(impl_->dtype, h.shape);
  if (!internal::npy_needs_reorder(h)) {
    internal::pread_exact(impl_->fd, t.data(), h.nbytes, h.data_offset, impl_->path);
  } else {
    std::unique_ptr<std::byte[]> raw(new std::byte[h.nbytes]);
    internal::pread_exact(impl_->fd, raw.get(), h.nbytes, h.data_offset, impl_->path);
    StoreData(h, raw.get(), t.data());
  }
  return t;
}

namespace internal {

NpyInfo parse_npy_info(std::span<const std::byte> prefix, uint64_t total,
                       const std::string& what) {
  return ParseNpyHeader(prefix, total, what);
}

uint64_t npy_header_end(std::span<const std::byte> first, uint64_t total,
                        const std::string& what) {
  const NpyPreamble pre = ParsePreamble(first, total, what);
  return pre.header_start + pre.header_len;
}

void check_npy_data(const NpyInfo& info, uint64_t data_len, const ReadLimits& limits,
                    const std::string& what) {
  CheckData(info, data_len, limits, what);
}

bool npy_needs_reorder(const NpyInfo& info) {
  return info.fortran && SqueezeOnes(info.shape).size() > 1;
}

void npy_to_c_order(const NpyInfo& info, const std::byte* src, std::byte* dst) {
  StoreData(info, src, dst);
}

}  // namespace internal

Tensor read_npy(const std::string& path, const ReadLimits& limits) {
  return NpyReader(path, limits).read();
}

std::vector<std::byte> encode_npy(const Tensor& t) {
  const std::string header = EncodeHeader(t);
  std::vector<std::byte> out(header.size() + t.nbytes());
  std::memcpy(out.data(), header.data(), header.size());
  if (t.nbytes() > 0)
    std::memcpy(out.data() + header.size(), t.data(), t.nbytes());
  return out;
}

void write_npy(const std::string& path, const Tensor& t) {
  const std::string header = EncodeHeader(t);
  const std::span<const std::byte> parts[2] = {
      std::as_bytes(std::span<const char>(header.data(), header.size())),
      std::span<const std::byte>(t.data(), t.nbytes())};
  internal::write_file_atomically_parts(path, parts);
}

}  // namespace initcheck
