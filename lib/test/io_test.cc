// Tensor file I/O (initcheck/io.h): NumPy-written fixtures (lib/test/data,
// see make_fixtures.py), byte identity with numpy.save, round trips of every
// dtype in both formats, every class of malformed input (each must raise an
// Error whose one-line message names the problem), limits, and atomic
// writes.
#include "initcheck/io.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "initcheck/error.h"

namespace initcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr DType kAllDtypes[] = {DType::kF32, DType::kF64, DType::kF16,
                                DType::kBF16};

std::string Data(const std::string& name) {
  return std::string(INITCHECK_TESTDATA_DIR) + "/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << path;
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::span<const std::byte> B(const std::string& s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

std::string Str(const std::vector<std::byte>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size());
}

std::string Bytes(const Tensor& t) {
  return std::string(reinterpret_cast<const char*>(t.data()), t.nbytes());
}

// The message of the Error `f` throws ("<no error>" if none; other exception
// types are reported as such, so the expectation fails).
std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<not an initcheck::Error: ") + e.what() + ">";
  }
  return "<no error>";
}

// Every message is one line.
::testing::Matcher<std::string> OneLine() { return Not(HasSubstr("\n")); }

// A tensor of `dtype` and `shape` whose bytes follow a fixed pattern (all bit
// patterns, NaNs included: the round trips compare bytes).
Tensor Patterned(DType dtype, const Shape& shape, unsigned seed = 1) {
  Tensor t(dtype, shape);
  for (std::size_t i = 0; i < t.nbytes(); ++i) {
    t.data()[i] = static_cast<std::byte>((i * 131 + seed * 17 + 7) & 0xff);
  }
  return t;
}

uint16_t U16(const Tensor& t, int64_t i) { return t.as<uint16_t>()[i]; }

// ---- .npy builders -------------------------------------------------------

// magic + version + header length + `dict` padded like NumPy pads it (unless
// `pad` is false) + `data`.
std::string MakeNpy(const std::string& dict, const std::string& data = "",
                    int major = 1, bool pad = true) {
  const std::size_t prefix = major == 1 ? 10 : 12;
  std::string header = dict;
  if (pad) {
    const std::size_t hlen = header.size() + 1;
    header.append(64 - (prefix + hlen) % 64, ' ');
    header.push_back('\n');
  }
  std::string out = "\x93NUMPY";
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  for (std::size_t i = 0; i < prefix - 8; ++i) {
    out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  }
  return out + header + data;
}

std::string Dict(const std::string& descr, const std::string& shape,
                 bool fortran = false) {
  return "{'descr': '" + descr +
         "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

std::string NpyError(const std::string& file, const ReadLimits& limits = {}) {
  return ErrorOf([&] { (void)parse_npy(B(file), limits, "w.npy"); });
}

// ---- temporary directories -------------------------------------------------

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (fs::path(::testing::TempDir()) / "initcheck_io_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::set<std::string> Listing() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_))
      names.insert(e.path().filename().string());
    return names;
  }
  std::string dir_;
};

// ============================================================================
// .npy: fixtures written by NumPy
// ============================================================================

TEST(NpyFixture, ReadsF4) {
  const Tensor t = read_npy(Data("f4.npy"));
  EXPECT_EQ(t.dtype(), DType::kF32);
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  const float want[] = {0.1f, -0.5f, 1e-3f, 3.25f, -2.0f, 100.0f};
  ASSERT_EQ(t.numel(), 6);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t.as<float>()[i], want[i]) << i;
}

TEST(NpyFixture, ReadsF8) {
  const Tensor t = read_npy(Data("f8.npy"));
  EXPECT_EQ(t.dtype(), DType::kF64);
  EXPECT_EQ(t.shape(), (Shape{4}));
  const double want[] = {0.1, -1.0 / 3.0, 1e-300, 2.5};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(t.as<double>()[i], want[i]) << i;
}

TEST(NpyFixture, ReadsF2) {
  const Tensor t = read_npy(Data("f2.npy"));
  EXPECT_EQ(t.dtype(), DType::kF16);
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  const uint16_t bits[] = {0x3800, 0xb400, 0x3c00, 0x7bff, 0x0001, 0xc000};
  const double values[] = {0.5, -0.25, 1.0, 65504.0, 0x1p-24, -2.0};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(U16(t, i), bits[i]) << i;
    EXPECT_EQ(t.get(i), values[i]) << i;
  }
}

TEST(NpyFixture, ReadsBf16AsV2) {
  const Tensor t = read_npy(Data("bf16.npy"));
  EXPECT_EQ(t.dtype(), DType::kBF16);
  EXPECT_EQ(t.shape(), (Shape{3}));
  const uint16_t bits[] = {0x3f80, 0xbe20, 0x4040};
  const double values[] = {1.0, -0.15625, 3.0};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(U16(t, i), bits[i]) << i;
    EXPECT_EQ(t.get(i), values[i]) << i;
  }
}

TEST(NpyFixture, FortranOrderEqualsCOrder) {
  const Tensor c = read_npy(Data("f4_rank3_c.npy"));
  const Tensor f = read_npy(Data("f4_rank3_fortran.npy"));
  EXPECT_EQ(f.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(c.shape(), f.shape());
  EXPECT_EQ(Bytes(c), Bytes(f));
  for (int i = 0; i < 24; ++i) EXPECT_EQ(f.as<float>()[i], 0.25f * i) << i;
  // The two files hold the data in different orders.
  EXPECT_NE(ReadFile(Data("f4_rank3_c.npy")).substr(128),
            ReadFile(Data("f4_rank3_fortran.npy")).substr(128));
}

TEST(NpyFixture, ReadsVersions2And3) {
  const Tensor v2 = read_npy(Data("f8_v2.npy"));
  EXPECT_EQ(v2.dtype(), DType::kF64);
  EXPECT_EQ(v2.shape(), (Shape{5}));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(v2.as<double>()[i], 1.5 * i);
  const Tensor v3 = read_npy(Data("f4_v3.npy"));
  EXPECT_EQ(v3.shape(), (Shape{3}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(v3.as<float>()[i], i + 1.0f);
}

TEST(NpyFixture, ReadsZeroSizeAndScalar) {
  const Tensor e = read_npy(Data("f4_empty.npy"));
  EXPECT_EQ(e.shape(), (Shape{0, 3}));
  EXPECT_EQ(e.numel(), 0);
  EXPECT_EQ(e.nbytes(), 0u);
  const Tensor s = read_npy(Data("f8_scalar.npy"));
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.as<double>()[0], 2.5);
}

TEST(NpyFixture, ParseInMemoryMatchesReadFromFile) {
  for (const char* name :
       {"f4.npy", "f8.npy", "f2.npy", "bf16.npy", "f4_rank3_fortran.npy",
        "f8_v2.npy", "f4_v3.npy", "f4_empty.npy", "f8_scalar.npy"}) {
    const Tensor a = read_npy(Data(name));
    const Tensor b = parse_npy(B(ReadFile(Data(name))));
    EXPECT_EQ(a.dtype(), b.dtype()) << name;
    EXPECT_EQ(a.shape(), b.shape()) << name;
    EXPECT_EQ(Bytes(a), Bytes(b)) << name;
  }
}

TEST(NpyFixture, EncodeIsByteIdenticalToNumpySave) {
  for (const char* name : {"f4.npy", "f8.npy", "f2.npy", "bf16.npy",
                           "f4_rank3_c.npy", "f4_empty.npy", "f8_scalar.npy"}) {
    const std::string numpy_bytes = ReadFile(Data(name));
    EXPECT_EQ(Str(encode_npy(parse_npy(B(numpy_bytes)))), numpy_bytes) << name;
  }
  // A Fortran-order file is written back as NumPy writes the C-order array.
  EXPECT_EQ(Str(encode_npy(read_npy(Data("f4_rank3_fortran.npy")))),
            ReadFile(Data("f4_rank3_c.npy")));
}

TEST(NpyFixture, RefusesNumpyWrittenUnsupportedFiles) {
  const std::string big = Data("f4_big_endian.npy");
  EXPECT_EQ(ErrorOf([&] { (void)read_npy(big); }),
            big +
                ": big-endian dtype '>f4' is not supported; convert with "
                "arr.astype('<f4')");
  EXPECT_THAT(ErrorOf([&] { (void)read_npy(Data("i4.npy")); }),
              AllOf(HasSubstr("i4.npy: "), HasSubstr("'<i4' is not supported"),
                    HasSubstr("astype('<f4')"), OneLine()));
  EXPECT_THAT(
      ErrorOf([&] { (void)read_npy(Data("object.npy")); }),
      AllOf(
          HasSubstr("object.npy: object arrays (dtype '|O') are not supported"),
          OneLine()));
}

TEST(NpyFixture, MissingFileAndDirectory) {
  const std::string missing = Data("no_such_file.npy");
  EXPECT_THAT(
      ErrorOf([&] { (void)read_npy(missing); }),
      AllOf(HasSubstr(missing + ": cannot open: No such file or directory"),
            OneLine()));
  EXPECT_THAT(ErrorOf([&] { (void)read_npy(INITCHECK_TESTDATA_DIR); }),
              HasSubstr(": is a directory"));
}

// ============================================================================
// .npy: round trips and the header writer
// ============================================================================

class NpyRoundTrip : public TempDirTest {};

const std::vector<Shape> kShapes = {{},
                                    {1},
                                    {7},
                                    {2, 3},
                                    {0},
                                    {0, 5},
                                    {3, 0, 2},
                                    {2, 1, 3, 1, 2},
                                    {1000},
                                    {4, 3, 2, 2, 1, 2},
                                    {1, 1, 1, 1, 1, 1, 1, 1, 3}};

TEST_F(NpyRoundTrip, EveryDtypeAndShapeThroughAFile) {
  for (DType dtype : kAllDtypes) {
    for (const Shape& shape : kShapes) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + shape_string(shape));
      const Tensor t = Patterned(dtype, shape);
      const std::string path = Path("t.npy");
      write_npy(path, t);
      const Tensor r = read_npy(path);
      EXPECT_EQ(r.dtype(), dtype);
      EXPECT_EQ(r.shape(), shape);
      EXPECT_EQ(Bytes(r), Bytes(t));
      // The file is encode_npy's output; the data starts at a multiple of 64
      // right after the '\n' that ends the header.
      const std::string file = ReadFile(path);
      EXPECT_EQ(file, Str(encode_npy(t)));
      const std::size_t data_start = file.size() - t.nbytes();
      EXPECT_EQ(data_start % 64, 0u);
      EXPECT_EQ(file[data_start - 1], '\n');
      EXPECT_EQ(file[6], '\x01');
      EXPECT_EQ(Listing(), std::set<std::string>{"t.npy"});
    }
  }
}

TEST_F(NpyRoundTrip, HeaderBeyond64KiBUsesVersion2) {
  const Shape shape(30000, 1);  // "1, " x 30000: the header exceeds 65535 bytes
  const Tensor t = Patterned(DType::kF32, shape);
  const std::string bytes = Str(encode_npy(t));
  EXPECT_EQ(bytes[6], '\x02');
  EXPECT_EQ(bytes[7], '\x00');
  EXPECT_EQ((bytes.size() - 4) % 64, 0u);
  const Tensor r = parse_npy(B(bytes));
  EXPECT_EQ(r.shape(), shape);
  EXPECT_EQ(Bytes(r), Bytes(t));
}

TEST(NpyWriter, HeaderTextIsNumpys) {
  // numpy 1.24: np.save of np.zeros((2, 3), '<f4'): the dict, 21 - 1 growth
  // spaces, padding to 128 bytes, '\n'.
  const Tensor t = Patterned(DType::kF32, {2, 3});
  const std::string bytes = Str(encode_npy(t));
  ASSERT_EQ(bytes.size(), 128u + 24u);
  EXPECT_EQ(bytes.substr(0, 10), std::string("\x93NUMPY\x01\x00\x76\x00", 10));
  const std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  EXPECT_EQ(bytes.substr(10, dict.size()), dict);
  EXPECT_EQ(bytes.substr(10 + dict.size(), 117 - dict.size()),
            std::string(117 - dict.size(), ' '));
  EXPECT_EQ(bytes[127], '\n');
  // Rank 1 has the trailing comma, a scalar no growth padding.
  EXPECT_THAT(Str(encode_npy(Patterned(DType::kF64, {5}))),
              HasSubstr("'shape': (5,), }"));
  EXPECT_THAT(Str(encode_npy(Patterned(DType::kF16, {}))),
              HasSubstr("'shape': (), }"));
  EXPECT_THAT(Str(encode_npy(Patterned(DType::kBF16, {2}))),
              HasSubstr("'descr': '<V2'"));
  EXPECT_THROW(encode_npy(Tensor()), Error);  // default-constructed: no data
}

// Fortran-order data built here for ranks 1 to 8 and every element size.
TEST(NpyFortran, TransposesEveryRank) {
  const std::vector<Shape> shapes = {{5},
                                     {2, 3},
                                     {2, 3, 4},
                                     {3, 1, 2, 2},
                                     {2, 2, 3, 1, 2},
                                     {2, 1, 2, 3, 1, 2},
                                     {1, 2, 2, 1, 3, 2, 1},
                                     {2, 1, 2, 1, 3, 1, 2, 2},
                                     {2, 0, 3}};
  for (DType dtype : kAllDtypes) {
    for (const Shape& shape : shapes) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + shape_string(shape));
      const Tensor c = Patterned(dtype, shape, 3);
      const std::size_t item = dtype_size(dtype);
      std::string fdata(c.nbytes(), '\0');
      // C index -> multi-index -> Fortran offset.
      for (int64_t i = 0; i < c.numel(); ++i) {
        int64_t rest = i, foff = 0, fstride = 1;
        std::vector<int64_t> idx(shape.size());
        for (std::size_t k = shape.size(); k-- > 0;) {
          idx[k] = rest % shape[k];
          rest /= shape[k];
        }
        for (std::size_t k = 0; k < shape.size(); ++k) {
          foff += idx[k] * fstride;
          fstride *= shape[k];
        }
        std::memcpy(&fdata[foff * item], c.data() + i * item, item);
      }
      const char* descr = dtype == DType::kF32   ? "<f4"
                          : dtype == DType::kF64 ? "<f8"
                          : dtype == DType::kF16 ? "<f2"
                                                 : "<V2";
      std::string shape_text = "(";
      for (int64_t d : shape) shape_text += std::to_string(d) + ",";
      shape_text += ")";
      const Tensor r =
          parse_npy(B(MakeNpy(Dict(descr, shape_text, true), fdata)));
      EXPECT_EQ(r.shape(), shape);
      EXPECT_EQ(Bytes(r), Bytes(c));
    }
  }
}

// ============================================================================
// .npy: malformed input
// ============================================================================

TEST(NpyMalformed, BadMagicAndEmptyFile) {
  EXPECT_EQ(NpyError(""), "w.npy: empty file, not a .npy file");
  EXPECT_THAT(NpyError("PK\x03\x04 this is a zip"),
              AllOf(HasSubstr("w.npy: not a .npy file (bad magic"), OneLine()));
  EXPECT_THAT(NpyError("\x93NUMPX\x01\x00\x00\x00"), HasSubstr("bad magic"));
  EXPECT_THAT(NpyError("\x93NUM"), HasSubstr("bad magic"));
}

TEST(NpyMalformed, TruncatedPreamble) {
  EXPECT_THAT(NpyError(std::string("\x93NUMPY\x01", 7)),
              HasSubstr("w.npy: truncated .npy header (file has 7 bytes)"));
  EXPECT_THAT(NpyError(std::string("\x93NUMPY\x01\x00\x10", 9)),
              HasSubstr("truncated .npy header (file has 9 bytes)"));
  EXPECT_THAT(NpyError(std::string("\x93NUMPY\x02\x00\x10\x00\x00", 11)),
              HasSubstr("truncated .npy header"));
}

TEST(NpyMalformed, UnsupportedVersion) {
  std::string v4 = MakeNpy(Dict("<f4", "(1,)"), std::string(4, '\0'));
  v4[6] = '\x04';
  EXPECT_THAT(
      NpyError(v4),
      HasSubstr("unsupported .npy format version 4.0 (initcheck reads 1.0, "
                "2.0 and 3.0)"));
  std::string v11 = MakeNpy(Dict("<f4", "(1,)"), std::string(4, '\0'));
  v11[7] = '\x01';
  EXPECT_THAT(NpyError(v11), HasSubstr("version 1.1"));
}

TEST(NpyMalformed, HeaderLengthBeyondTheFile) {
  std::string f = MakeNpy(Dict("<f4", "(1,)"), std::string(4, '\0'));
  f[8] = '\xe8';  // 1000 + ...
  f[9] = '\x03';
  EXPECT_THAT(
      NpyError(f),
      AllOf(HasSubstr("w.npy: .npy header length 1000 goes past the end of "
                      "the file (" +
                      std::to_string(f.size()) + " bytes)"),
            OneLine()));
  // A 2 GiB header length (version 2.0) is refused before reading it.
  std::string v2 = MakeNpy(Dict("<f4", "(1,)"), std::string(4, '\0'), 2);
  v2[8] = v2[9] = v2[10] = '\0';
  v2[11] = '\x80';
  EXPECT_THAT(
      NpyError(v2),
      HasSubstr(
          "header length 2147483648 is larger than the 1048576-byte limit"));
}

TEST(NpyMalformed, TruncatedAndTrailingData) {
  EXPECT_EQ(
      NpyError(MakeNpy(Dict("<f4", "(2, 3)"), std::string(20, '\0'))),
      "w.npy: truncated: expected 24 data bytes, found 20 (shape [2, 3])");
  EXPECT_THAT(
      NpyError(MakeNpy(Dict("<f4", "(2, 3)"), std::string(28, '\0'))),
      AllOf(
          HasSubstr(
              "w.npy: 4 trailing bytes after the data: expected 24 data bytes"),
          OneLine()));
  EXPECT_THAT(NpyError(MakeNpy(Dict("<f8", "()"), "")),
              HasSubstr("truncated: expected 8 data bytes, found 0"));
  EXPECT_THAT(NpyError(MakeNpy(Dict("<f4", "(0,)"), "x")),
              HasSubstr("1 trailing bytes"));
}

struct BadHeader {
  std::string dict;
  std::string message;
};

TEST(NpyMalformed, BadDictLiterals) {
  const std::string ok_rest = "'fortran_order': False, 'shape': (2,), }";
  const BadHeader cases[] = {
      {"", "the header is empty"},
      {"   \n", "the header is empty"},
      {"[1, 2]", "expected '{' to start the header dict"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", "missing '}'"},
      {"{'descr': '<f4", "unterminated string"},
      {"{'descr': \"<f4', " + ok_rest, "unterminated string"},
      {"{'descr' '<f4', " + ok_rest, "expected ':' after a dict key"},
      {"{descr: '<f4', " + ok_rest, "unexpected name 'descr'"},
      {"{'descr': np.float32, " + ok_rest, "unexpected name 'np'"},
      {"{'descr': dtype('float32'), " + ok_rest, "unexpected name 'dtype'"},
      {"{'descr': '<f4', " + ok_rest + " extra",
       "unexpected text after the header dict"},
      {"{'descr': '<f4', " + ok_rest + "}",
       "unexpected text after the header dict"},
      {"{1: 2}", "dict keys must be strings"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,,)}",
       "unexpected character ','"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (,)}",
       "unexpected character ','"},
      {"{'descr': '<f4', 'fortran_order': false, 'shape': (2,)}",
       "unexpected name 'false'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 3)}",
       "expected ',' or ')'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3}",
       "expected ',' or ')'"},
      {"{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}",
       "expected ',' or '}'"},
      {"{'descr': '<f\\x34', " + ok_rest, "unsupported escape"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2j,)}",
       "malformed number"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (--2,)}",
       "expected a digit"},
      {std::string("{'descr': '<f4',\0 ", 18) + ok_rest,
       "unexpected character '\\x00'"},
      {"{'descr': " + std::string(10000, '(') + "'<f4'" +
           std::string(10000, ')') + ", " + ok_rest,
       "nested deeper than 32 levels"},
      {"{'descr': " + std::string(10000, '[') + "'<f4'",
       "nested deeper than 32 levels"},
  };
  for (const BadHeader& c : cases) {
    const std::string msg = NpyError(MakeNpy(c.dict, std::string(8, '\0')));
    EXPECT_THAT(msg, AllOf(HasSubstr("w.npy: malformed .npy header: "),
                           HasSubstr(c.message), HasSubstr(" at character "),
                           OneLine()))
        << c.dict.substr(0, 80);
    EXPECT_LT(msg.size(), 400u);
  }
}

TEST(NpyMalformed, MessageQuotesTheHeaderNearTheError) {
  const std::string msg =
      NpyError(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, "
                       "3, 4, 5, 6, 7, 8 9), }"));
  EXPECT_EQ(
      msg,
      "w.npy: malformed .npy header: expected ',' or ')' at character 71 of "
      "\"...': False, 'shape': (2, 3, 4, 5, 6, 7, 8 9), }\"");
}

TEST(NpyMalformed, BadKeysAndValues) {
  const BadHeader cases[] = {
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
       "w.npy: unexpected key 'extra' in the .npy header (expected 'descr', "
       "'fortran_order', "
       "'shape')"},
      {"{'descr': '<f4', 'fortran_order': False}",
       "w.npy: the .npy header has no 'shape' key"},
      {"{'shape': (2,), 'fortran_order': False}",
       "the .npy header has no 'descr' key"},
      {"{'descr': '<f4', 'shape': (2,)}",
       "the .npy header has no 'fortran_order' key"},
      {"{}", "the .npy header has no 'descr' key"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': "
       "(2,)}",
       "duplicate key 'descr'"},
      {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}",
       "'fortran_order' must be True or False, got 0"},
      {"{'descr': '<f4', 'fortran_order': 'False', 'shape': (2,)}",
       "'fortran_order' must be True or False, got 'False'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [2]}",
       "'shape' must be a tuple of non-negative integers such as (3,) or (2, "
       "3), got a list [2]"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2)}",
       "'shape' must be a tuple of non-negative integers such as (3,) or (2, "
       "3), got an integer "
       "(2)"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': None}",
       "'shape' must be a tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}",
       "shape (2, -3) has a negative dimension -3"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,)}",
       "shape (2.5,) has a non-integer dimension 2.5"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2e3,)}",
       "non-integer dimension 2e3"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': ('3',)}",
       "non-integer dimension '3'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (True,)}",
       "non-integer dimension True"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': ((2,),)}",
       "non-integer dimension (2,)"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': "
       "(99999999999999999999,)}",
       "dimension 99999999999999999999 outside the 64-bit range"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': "
       "(9223372036854775808,)}",
       "outside the 64-bit range"},
  };
  for (const BadHeader& c : cases) {
    EXPECT_THAT(NpyError(MakeNpy(c.dict, std::string(8, '\0'))),
                AllOf(HasSubstr(c.message), OneLine()))
        << c.dict;
  }
}

TEST(NpyMalformed, UnsupportedDescr) {
  auto err = [](const std::string& descr_literal) {
    return NpyError(MakeNpy("{'descr': " + descr_literal +
                                ", 'fortran_order': False, 'shape': (2,), }",
                            std::string(8, '\0')));
  };
  EXPECT_EQ(err("'>f4'"),
            "w.npy: big-endian dtype '>f4' is not supported; convert with "
            "arr.astype('<f4')");
  EXPECT_EQ(err("'>f8'"),
            "w.npy: big-endian dtype '>f8' is not supported; convert with "
            "arr.astype('<f8')");
  EXPECT_EQ(err("'>f2'"),
            "w.npy: big-endian dtype '>f2' is not supported; convert with "
            "arr.astype('<f2')");
  EXPECT_THAT(err("'>V2'"),
              HasSubstr("big-endian dtype '>V2' is not supported"));
  EXPECT_EQ(
      err("'=f4'"),
      "w.npy: native-byte-order dtype '=f4' is not supported; convert with "
      "arr.astype('<f4')");
  EXPECT_EQ(
      err("'|f4'"),
      "w.npy: dtype '|f4' is invalid: a float dtype needs a byte order, '<f4'");
  EXPECT_THAT(
      err("'<i4'"),
      HasSubstr("integer/bool dtype '<i4' is not supported; initcheck reads "
                "float arrays"));
  EXPECT_THAT(err("'|u1'"), HasSubstr("integer/bool dtype '|u1'"));
  EXPECT_THAT(err("'|b1'"), HasSubstr("integer/bool dtype '|b1'"));
  EXPECT_THAT(err("'<i8'"), HasSubstr("'<i8' is not supported"));
  EXPECT_THAT(err("'|O'"),
              HasSubstr("object arrays (dtype '|O') are not supported"));
  EXPECT_THAT(
      err("'<c8'"),
      HasSubstr("unsupported dtype '<c8'; initcheck reads float arrays"));
  EXPECT_THAT(err("'<f16'"), HasSubstr("unsupported dtype '<f16'"));
  EXPECT_THAT(err("'<M8[ns]'"), HasSubstr("unsupported dtype '<M8[ns]'"));
  EXPECT_THAT(err("'|V2'"), HasSubstr("dtype '|V2' is raw 2-byte void data"));
  EXPECT_THAT(err("'<V4'"), HasSubstr("unsupported dtype '<V4'"));
  EXPECT_THAT(err("''"), HasSubstr("unsupported dtype ''"));
  EXPECT_THAT(
      err("'float32'"),
      HasSubstr("dtype name 'float32' has no byte order; write it as '<f4'"));
  EXPECT_THAT(
      err("[('a', '<f4'), ('b', '<f4')]"),
      HasSubstr(
          "structured dtype [('a', '<f4'), ('b', '<f4')] is not supported"));
  EXPECT_THAT(err("5"),
              HasSubstr("'descr' must be a dtype string such as '<f4', got 5"));
  EXPECT_THAT(err("None"), HasSubstr("'descr' must be a dtype string"));
  EXPECT_THAT(err("'\x01'"), AllOf(HasSubstr("unsupported dtype '\\x01'"),
                                   Not(HasSubstr("\x01"))));
}

TEST(NpyParser, AcceptsValidVariants) {
  const std::string data(8, '\0');
  const std::string dicts[] = {
      "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,)}",
      "{'descr':'<f4','fortran_order':False,'shape':(2,)}",
      "{'shape': (2,), 'descr': '<f4', 'fortran_order': False}",
      "{ 'descr' : '<f4' ,\n\t'fortran_order' : False ,\r\n 'shape' : ( 2 , ) "
      ", }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,)}",  // Python 2
      "{'descr': '<f4', 'fortran_order': False, 'shape': (+2,)}",
      "{'descr': '<f4', 'fortran_order': True, 'shape': (2,)}",  // rank 1: same
                                                                 // order
      "{'descr': '<f4', 'fortran_order': False, 'shape': ((2),)}",  // (2) is 2
  };
  for (const std::string& d : dicts) {
    const Tensor t = parse_npy(B(MakeNpy(d, data)));
    EXPECT_EQ(t.shape(), (Shape{2})) << d;
    // Unpadded headers (no '\n', no alignment) are accepted too.
    EXPECT_EQ(parse_npy(B(MakeNpy(d, data, 1, false))).shape(), (Shape{2}))
        << d;
  }
  EXPECT_EQ(parse_npy(B(MakeNpy(Dict("<f8", "()"), data))).shape(), Shape{});
  EXPECT_EQ(parse_npy(B(MakeNpy(Dict("bfloat16", "(4,)"), data))).dtype(),
            DType::kBF16);
  EXPECT_EQ(parse_npy(B(MakeNpy(Dict("<f2", "(2, 2)"), data, 3))).dtype(),
            DType::kF16);
  // Zero-size with huge other dimensions: numel 0, nothing to read.
  const Tensor z = parse_npy(
      B(MakeNpy(Dict("<f4", "(0, 4611686018427387904, 4611686018427387904)"))));
  EXPECT_EQ(z.numel(), 0);
}

// ============================================================================
// .npy: limits
// ============================================================================

class NpyLimits : public TempDirTest {};

TEST_F(NpyLimits, HugeHeaderIsRefusedWithoutAllocating) {
  // 2^40 f4 elements (4 TiB) announced by a 128-byte file.
  const std::string file = MakeNpy(Dict("<f4", "(1048576, 1048576)"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(NpyError(file),
            "w.npy: truncated: expected 4398046511104 data bytes, found 0 "
            "(shape [1048576, "
            "1048576])");
  WriteFile(Path("huge.npy"), file);
  EXPECT_THAT(ErrorOf([&] { (void)read_npy(Path("huge.npy")); }),
              HasSubstr("truncated: expected 4398046511104 data bytes"));
  // Even a limit above 2^40 allocates nothing: the file is checked first.
  EXPECT_THAT(NpyError(file, {.max_elements = int64_t{1} << 50}),
              HasSubstr("truncated"));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_LT(seconds, 1.0);
}

TEST_F(NpyLimits, ByteSizeOverflow) {
  EXPECT_THAT(
      NpyError(MakeNpy(Dict("<f4", "(4611686018427387904, 4)"))),
      HasSubstr(
          "shape [4611686018427387904, 4] has too many elements (the byte size "
          "overflows 64 bits)"));
  EXPECT_THAT(NpyError(MakeNpy(Dict("<f8", "(9223372036854775807,)"))),
              HasSubstr("overflows"));
  // Zero-size, but the other dims exceed what a Tensor shape may hold.
  EXPECT_EQ(
      NpyError(MakeNpy(Dict("<f4", "(4611686018427387904, 4, 0)"))),
      "w.npy: shape [4611686018427387904, 4, 0] has more than 2^62 elements");
}

TEST_F(NpyLimits, MaxElements) {
  const std::string path = Data("f4.npy");  // 6 elements
  EXPECT_EQ(ErrorOf([&] { (void)read_npy(path, {.max_elements = 5}); }),
            path +
                ": shape [2, 3] has 6 elements, more than the limit of 5; "
                "raise it with "
                "--max-elements");
  EXPECT_EQ(read_npy(path, {.max_elements = 6}).numel(), 6);
  EXPECT_THAT(
      ErrorOf([&] { (void)parse_npy(B(ReadFile(path)), {.max_elements = 0}); }),
      HasSubstr("more than the limit of 0"));
}

// ============================================================================
// .npy: robustness (every truncation, random byte mutations)
// ============================================================================

TEST(NpyRobustness, TruncationsAndMutationsOnlyThrowError) {
  std::mt19937 rng(12345);
  int parsed = 0, refused = 0;
  for (const char* name :
       {"f4.npy", "f8_v2.npy", "f4_v3.npy", "f4_rank3_fortran.npy",
        "object.npy", "f8_scalar.npy"}) {
    const std::string good = ReadFile(Data(name));
    for (std::size_t n = 0; n < good.size(); ++n) {
      const std::string msg = NpyError(good.substr(0, n));
      EXPECT_THAT(msg, AllOf(HasSubstr("w.npy: "), OneLine()))
          << name << " " << n;
    }
    for (int iter = 0; iter < 2000; ++iter) {
      std::string bad = good;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < flips; ++k)
        bad[rng() % bad.size()] = static_cast<char>(rng());
      try {
        (void)parse_npy(B(bad), {.max_elements = 1 << 20});
        ++parsed;
      } catch (const Error& e) {
        ++refused;
        EXPECT_THAT(std::string(e.what()), OneLine());
      }
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(parsed, 0);
}

// ============================================================================
// .safetensors
// ============================================================================

// 8-byte LE length + `header` + `data`.
std::string MakeSt(const std::string& header, const std::string& data = "") {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string StError(const std::string& file) {
  return ErrorOf([&] {
    (void)parse_safetensors_header(B(file), file.size(), "m.safetensors");
  });
}

std::string Entry(const std::string& dtype, const std::string& shape,
                  uint64_t b, uint64_t e) {
  return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
         ",\"data_offsets\":[" + std::to_string(b) + "," + std::to_string(e) +
         "]}";
}

TEST(SafetensorsFixture, ListsEntriesAndMetadata) {
  SafetensorsReader reader(Data("model.safetensors"));
  const SafetensorsHeader& h = reader.header();
  ASSERT_EQ(h.entries.size(), 4u);
  // Sorted by offset, whatever the JSON order.
  const char* names[] = {"a.weight", "b.half", "c.bf16", "d.steps"};
  const char* dtypes[] = {"F32", "F16", "BF16", "I64"};
  const Shape shapes[] = {{2, 2}, {3}, {2}, {2}};
  const uint64_t offsets[] = {0, 16, 22, 26, 42};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(h.entries[i].name, names[i]);
    EXPECT_EQ(h.entries[i].dtype_name, dtypes[i]);
    EXPECT_EQ(h.entries[i].shape, shapes[i]);
    EXPECT_EQ(h.entries[i].begin, offsets[i]);
    EXPECT_EQ(h.entries[i].end, offsets[i + 1]);
  }
  EXPECT_EQ(h.entries[0].dtype, DType::kF32);
  EXPECT_EQ(h.entries[1].dtype, DType::kF16);
  EXPECT_EQ(h.entries[2].dtype, DType::kBF16);
  EXPECT_FALSE(h.entries[3].dtype.has_value());
  EXPECT_EQ(h.metadata, (std::map<std::string, std::string>{
                            {"format", "pt"}, {"note", "initcheck fixture"}}));
  EXPECT_EQ(h.data_start % 8, 0u);
  EXPECT_EQ(h.data_start + 42, fs::file_size(Data("model.safetensors")));
}

TEST(SafetensorsFixture, ReadsFloatTensorsAndRefusesOthers) {
  const std::string path = Data("model.safetensors");
  SafetensorsReader reader(path);
  const auto& e = reader.header().entries;
  const Tensor a = reader.read(e[0]);
  EXPECT_EQ(a.shape(), (Shape{2, 2}));
  const float av[] = {1.0f, -2.5f, 0.1f, 3.0f};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(a.as<float>()[i], av[i]);
  const Tensor b = reader.read(e[1]);
  EXPECT_EQ(b.dtype(), DType::kF16);
  EXPECT_EQ(b.to_double(), (std::vector<double>{0.5, -1.0, 65504.0}));
  const Tensor c = reader.read(e[2]);
  EXPECT_EQ(c.dtype(), DType::kBF16);
  EXPECT_EQ(U16(c, 0), 0x3f80);
  EXPECT_EQ(U16(c, 1), 0xbe20);
  EXPECT_EQ(ErrorOf([&] { (void)reader.read(e[3]); }),
            path +
                ": tensor 'd.steps': dtype I64 cannot be read (initcheck reads "
                "F32, F64, F16 "
                "and BF16 tensors)");
  // The in-memory parser reads the same float tensors and skips I64.
  const auto all = parse_safetensors(B(ReadFile(path)));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].first, "a.weight");
  EXPECT_EQ(Bytes(all[0].second), Bytes(a));
  EXPECT_EQ(Bytes(all[1].second), Bytes(b));
  EXPECT_EQ(Bytes(all[2].second), Bytes(c));
}

TEST(SafetensorsFixture, Limits) {
  const std::string path = Data("model.safetensors");
  SafetensorsReader reader(path, {.max_elements = 3});
  EXPECT_EQ(ErrorOf([&] { (void)reader.read(reader.header().entries[0]); }),
            path +
                ": tensor 'a.weight': shape [2, 2] has 4 elements, more than "
                "the limit of 3; "
                "raise it with --max-elements");
  EXPECT_EQ(reader.read(reader.header().entries[1]).numel(), 3);
  EXPECT_THAT(ErrorOf([&] {
                (void)parse_safetensors(B(ReadFile(path)), {.max_elements = 3});
              }),
              HasSubstr("more than the limit of 3"));
}

TEST(SafetensorsFixture, MissingFileAndDirectory) {
  const std::string missing = Data("missing.safetensors");
  EXPECT_EQ(ErrorOf([&] { SafetensorsReader r(missing); }),
            missing + ": cannot open: No such file or directory");
  EXPECT_THAT(ErrorOf([&] { SafetensorsReader r(INITCHECK_TESTDATA_DIR); }),
              HasSubstr("is a directory"));
}

class SafetensorsRoundTrip : public TempDirTest {};

TEST_F(SafetensorsRoundTrip, EveryDtypeAndShape) {
  std::vector<Tensor> tensors;
  std::vector<std::pair<std::string, const Tensor*>> named;
  unsigned seed = 0;
  for (DType dtype : kAllDtypes) {
    for (const Shape& shape : kShapes)
      tensors.push_back(Patterned(dtype, shape, ++seed));
  }
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    // Names not in sorted order, to check the given order is kept.
    named.emplace_back("layer" + std::to_string(tensors.size() - i) + ".weight",
                       &tensors[i]);
  }
  const std::map<std::string, std::string> meta = {{"format", "pt"},
                                                   {"scheme", "kaiming"}};
  const std::string path = Path("m.safetensors");
  write_safetensors(path, named, meta);
  EXPECT_EQ(Listing(), std::set<std::string>{"m.safetensors"});
  const std::string file = ReadFile(path);
  EXPECT_EQ(file, Str(encode_safetensors(named, meta)));

  SafetensorsReader reader(path);
  const SafetensorsHeader& h = reader.header();
  EXPECT_EQ(h.data_start % 8, 0u);
  EXPECT_EQ(h.metadata, meta);
  // Entries come back in offset order: zero-size tensors share an offset
  // with their successor and sort by name among equal offsets, so compare by
  // name.
  ASSERT_EQ(h.entries.size(), named.size());
  std::map<std::string, const SafetensorsEntry*> by_name;
  for (const auto& e : h.entries) by_name[e.name] = &e;
  uint64_t offset = 0;
  for (const auto& [name, t] : named) {
    SCOPED_TRACE(name);
    ASSERT_EQ(by_name.count(name), 1u);
    const SafetensorsEntry& e = *by_name[name];
    EXPECT_EQ(e.begin, offset);
    offset += t->nbytes();
    EXPECT_EQ(e.end, offset);
    EXPECT_EQ(e.dtype, t->dtype());
    const Tensor r = reader.read(e);
    EXPECT_EQ(r.dtype(), t->dtype());
    EXPECT_EQ(r.shape(), t->shape());
    EXPECT_EQ(Bytes(r), Bytes(*t));
  }
  const auto parsed = parse_safetensors(B(file));
  EXPECT_EQ(parsed.size(), named.size());
}

TEST(SafetensorsWriter, MatchesTheReferenceSerializer) {
  // The byte layouts of the reference implementation's serialization tests
  // (safetensors/src/tensor.rs): compact JSON, "__metadata__" first, spaces
  // up to a multiple of 8.
  Tensor t(DType::kF32, {1, 2, 3});
  for (int i = 0; i < 6; ++i) t.as<float>()[i] = static_cast<float>(i);
  const std::string json =
      R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})";
  ASSERT_EQ(json.size(), 64u);
  EXPECT_EQ(Str(encode_safetensors({{"attn.0", &t}})), MakeSt(json, Bytes(t)));
  Tensor t4(DType::kF32, {1, 1, 2, 3});
  std::memcpy(t4.data(), t.data(), 24);
  EXPECT_EQ(
      Str(encode_safetensors({{"attn0", &t4}})),
      MakeSt(
          R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})"
          "       ",
          Bytes(t)));
  EXPECT_EQ(Str(encode_safetensors({})), MakeSt("{}      "));
  EXPECT_EQ(Str(encode_safetensors({}, {{"framework", "pt"}})),
            MakeSt(R"({"__metadata__":{"framework":"pt"}})"
                   "     "));
  // The empty file reads back.
  const std::string empty = Str(encode_safetensors({}));
  EXPECT_TRUE(parse_safetensors_header(B(empty), empty.size()).entries.empty());
}

TEST(SafetensorsWriter, RefusesBadInput) {
  const Tensor t = Patterned(DType::kF32, {2});
  EXPECT_THAT(ErrorOf([&] {
                (void)encode_safetensors({{"a", &t}, {"a", &t}});
              }),
              HasSubstr("duplicate tensor name 'a'"));
  EXPECT_THAT(ErrorOf([&] {
                (void)encode_safetensors({{"__metadata__", &t}});
              }),
              HasSubstr("cannot be named '__metadata__'"));
  EXPECT_THAT(
      ErrorOf([&] {
        (void)encode_safetensors({{"bad\xff", &t}});
      }),
      AllOf(HasSubstr("tensor name 'bad\\xff' is not valid UTF-8"), OneLine()));
  EXPECT_THAT(ErrorOf([&] {
                (void)encode_safetensors({{"a", &t}}, {{"k", "\xc3"}});
              }),
              HasSubstr("metadata value '\\xc3' is not valid UTF-8"));
  EXPECT_THAT(ErrorOf([&] {
                (void)encode_safetensors({{"a", &t}}, {{"\xc3", "v"}});
              }),
              HasSubstr("metadata key '\\xc3' is not valid UTF-8"));
  EXPECT_THAT(ErrorOf([&] {
                (void)encode_safetensors({{"a", nullptr}});
              }),
              HasSubstr("tensor 'a' is null"));
  const Tensor empty;
  EXPECT_THAT(ErrorOf([&] {
                (void)encode_safetensors({{"a", &empty}});
              }),
              HasSubstr("empty (default-constructed)"));
  // Names are free-form UTF-8 otherwise.
  const std::string file = Str(encode_safetensors({{"ü.weight \"q\"\n", &t}}));
  EXPECT_EQ(parse_safetensors_header(B(file), file.size()).entries[0].name,
            "ü.weight \"q\"\n");
}

class SafetensorsWriteErrors : public TempDirTest {};

TEST_F(SafetensorsWriteErrors, NamePathAndLeaveNothing) {
  const Tensor t = Patterned(DType::kF32, {2});
  const std::string path = Path("m.safetensors");
  EXPECT_THAT(ErrorOf([&] {
                write_safetensors(path, {{"a", &t}, {"a", &t}});
              }),
              HasSubstr(path + ": duplicate tensor name 'a'"));
  const std::string missing = Path("no/such/dir/m.safetensors");
  EXPECT_THAT(ErrorOf([&] {
                write_safetensors(missing, {{"a", &t}});
              }),
              AllOf(HasSubstr(missing + ": cannot create a temporary file"),
                    HasSubstr("No such file or directory")));
  EXPECT_TRUE(Listing().empty());
}

// ---- malformed safetensors -------------------------------------------------

TEST(SafetensorsMalformed, HeaderLength) {
  EXPECT_EQ(StError("abc"),
            "m.safetensors: not a safetensors file: 3 bytes is too short for "
            "the 8-byte header "
            "length");
  EXPECT_EQ(
      StError(""),
      "m.safetensors: not a safetensors file: 0 bytes is too short for the "
      "8-byte header length");
  std::string past = MakeSt("{}", "");
  past[0] = '\xe8';  // 1000
  past[1] = '\x03';
  EXPECT_EQ(
      StError(past),
      "m.safetensors: safetensors header length 1000 goes past the end of the "
      "file (10 bytes)");
  std::string huge = MakeSt("{}");
  const uint64_t n = 100'000'001;
  for (int i = 0; i < 8; ++i)
    huge[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  EXPECT_THAT(
      StError(huge),
      HasSubstr("header length 100000001 exceeds the 100000000-byte limit"));
  std::string max = MakeSt("{}");
  for (int i = 0; i < 8; ++i) max[i] = '\xff';
  EXPECT_THAT(StError(max), HasSubstr("exceeds the 100000000-byte limit"));
}

TEST(SafetensorsMalformed, NotJson) {
  EXPECT_THAT(
      StError(MakeSt("{abc")),
      AllOf(HasSubstr("m.safetensors: safetensors header is not valid JSON: "),
            OneLine()));
  EXPECT_THAT(StError(MakeSt("{\"a\":}")), HasSubstr("not valid JSON"));
  EXPECT_THAT(StError(MakeSt("{} {}")), HasSubstr("not valid JSON"));
  // nlohmann stops at a NUL byte: refused before parsing.
  EXPECT_EQ(StError(MakeSt(std::string("{}\0\0\0", 5))),
            "m.safetensors: safetensors header contains a NUL byte at offset "
            "10 (headers are "
            "padded with spaces)");
  EXPECT_THAT(StError(MakeSt(std::string("{}\0{\"a\":5}", 10))),
              HasSubstr("NUL byte"));
  EXPECT_THAT(StError(MakeSt("{\"a\n\":1}")),
              AllOf(HasSubstr("not valid JSON"), OneLine()));
  EXPECT_EQ(StError(MakeSt("[]")),
            "m.safetensors: safetensors header does not start with '{' (not a "
            "safetensors file?)");
  EXPECT_THAT(StError(MakeSt(" {}")), HasSubstr("does not start with '{'"));
  EXPECT_THAT(StError(MakeSt("")), HasSubstr("does not start with '{'"));
  EXPECT_THAT(StError(MakeSt("\xef\xbb\xbf{}")),
              HasSubstr("does not start with '{'"));  // BOM
}

TEST(SafetensorsMalformed, DeepNesting) {
  const std::string deep =
      "{\"a\":" + std::string(10000, '[') + std::string(10000, ']') + "}";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(StError(MakeSt(deep)),
            "m.safetensors: safetensors header nests deeper than 64 levels");
  EXPECT_THAT(StError(MakeSt("{\"a\":" + std::string(10000, '{'))),
              HasSubstr("deeper than 64"));
  EXPECT_LT(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count(),
      1.0);
  // 64 levels pass the scan (and then fail as a malformed entry); brackets in
  // strings do not count.
  const std::string ok64 =
      "{\"a\":" + std::string(63, '[') + std::string(63, ']') + "}";
  EXPECT_THAT(StError(MakeSt(ok64)),
              HasSubstr("tensor 'a': entry must be an object"));
  const std::string in_string =
      "{\"__metadata__\":{\"k\":\"" + std::string(10000, '[') + "\\\"{\"}}";
  const std::string f = MakeSt(in_string);
  EXPECT_EQ(parse_safetensors_header(B(f), f.size()).metadata.at("k"),
            std::string(10000, '[') + "\"{");
}

TEST(SafetensorsMalformed, BadEntries) {
  const std::string d16(16, '\0');
  const BadHeader cases[] = {
      {"{\"a\":5}",
       "m.safetensors: tensor 'a': entry must be an object with \"dtype\", "
       "\"shape\" "
       "and \"data_offsets\", got number"},
      {"{\"a\":[1,2]}", "entry must be an object"},
      {"{\"a\":\"F32\"}", "got string"},
      {"{\"a\":{\"shape\":[4],\"data_offsets\":[0,16]}}",
       "tensor 'a': missing \"dtype\""},
      {"{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,16]}}",
       "tensor 'a': missing \"shape\""},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4]}}",
       "tensor 'a': missing \"data_offsets\""},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16],\"x\":"
       "1}}",
       "tensor 'a': unexpected key 'x'"},
      {"{\"a\":{\"dtype\":32,\"shape\":[4],\"data_offsets\":[0,16]}}",
       "\"dtype\" must be a string, got 32"},
      {"{\"a\":" + Entry("F128", "[4]", 0, 16) + "}",
       "tensor 'a': unknown dtype 'F128' (known: BOOL, F4"},
      {"{\"a\":" + Entry("f32", "[4]", 0, 16) + "}", "unknown dtype 'f32'"},
      {"{\"a\":" + Entry("F32", "4", 0, 16) + "}",
       "\"shape\" must be an array of non-negative integers, got 4"},
      {"{\"a\":" + Entry("F32", "[-4]", 0, 16) + "}",
       "tensor 'a': shape dimension is negative (-4)"},
      {"{\"a\":" + Entry("F32", "[4.0]", 0, 16) + "}",
       "shape dimension must be a non-negative integer, got 4.0"},
      {"{\"a\":" + Entry("F32", "[\"4\"]", 0, 16) + "}",
       "must be a non-negative integer, got \"4\""},
      {"{\"a\":" + Entry("F32", "[null]", 0, 16) + "}",
       "must be a non-negative integer, got null"},
      {"{\"a\":" + Entry("F32", "[99999999999999999999]", 0, 16) + "}",
       "must be a non-negative integer"},
      {"{\"a\":" + Entry("F32", "[9223372036854775808]", 0, 16) + "}",
       "shape dimension 9223372036854775808 is too large"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0]}}",
       "\"data_offsets\" must be [begin, end], got [0]"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16,32]}}",
       "\"data_offsets\" must be [begin, end]"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":{\"0\":16}}}",
       "\"data_offsets\" must be [begin, end]"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[-1,15]}}",
       "data_offsets begin is negative (-1)"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16.5]}}",
       "data_offsets end must be a non-negative integer"},
      {"{\"a\":" + Entry("F32", "[4]", 16, 0) + "}",
       "tensor 'a': data_offsets [16, 0] end before they begin"},
      {"{\"a\":" + Entry("F32", "[4]", 0, 20) + "}",
       "tensor 'a' declares 20 bytes at offsets [0, 20) but the data section "
       "has 16 bytes"},
      {"{\"a\":" + Entry("F32", "[4]", 16, 32) + "}",
       "offsets [16, 32) but the data section has 16"},
      {"{\"a\":" + Entry("F32", "[2,2]", 0, 12) +
           ",\"b\":" + Entry("U8", "[4]", 12, 16) + "}",
       "tensor 'a': shape [2, 2] of F32 needs 16 bytes but data_offsets [0, "
       "12) hold 12"},
      {"{\"a\":" + Entry("F64", "[4]", 0, 16) + "}",
       "shape [4] of F64 needs 32 bytes"},
      {"{\"a\":" + Entry("F4", "[3]", 0, 2) + "}",
       "shape [3] of F4 is not a whole number of bytes"},
      {"{\"a\":" + Entry("F32", "[4294967296,4294967296,4294967296]", 0, 16) +
           "}",
       "is too large (its size overflows 64 bits)"},
  };
  for (const BadHeader& c : cases) {
    EXPECT_THAT(StError(MakeSt(c.dict, d16)),
                AllOf(HasSubstr(c.message), OneLine()))
        << c.dict;
  }
}

TEST(SafetensorsMalformed, TheExampleFromTheDocs) {
  const std::string h =
      "{\"a.weight\":" + Entry("F32", "[1000000]", 0, 4000000) + "}";
  EXPECT_EQ(StError(MakeSt(h, std::string(1024, '\0'))),
            "m.safetensors: tensor 'a.weight' declares 4000000 bytes at "
            "offsets [0, 4000000) but "
            "the data section has 1024 bytes");
}

TEST(SafetensorsMalformed, HugeTensorIsRefusedWithoutAllocating) {
  // 2^40 F32 elements announced by a 100-byte file.
  const auto start = std::chrono::steady_clock::now();
  const std::string h =
      "{\"w\":" + Entry("F32", "[1048576,1048576]", 0, uint64_t{1} << 42) + "}";
  EXPECT_THAT(StError(MakeSt(h)),
              HasSubstr("declares 4398046511104 bytes at offsets [0, "
                        "4398046511104) but the data "
                        "section has 0 bytes"));
  EXPECT_LT(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count(),
      1.0);
}

TEST(SafetensorsMalformed, LayoutOverlapHoleTrailing) {
  const std::string d12(12, '\0');
  EXPECT_EQ(StError(MakeSt("{\"a\":" + Entry("F32", "[2]", 0, 8) +
                               ",\"b\":" + Entry("F32", "[2]", 4, 12) + "}",
                           d12)),
            "m.safetensors: tensor 'b' at offsets [4, 12) overlaps tensor 'a' "
            "at [0, 8)");
  // The same range twice.
  EXPECT_THAT(
      StError(MakeSt("{\"a\":" + Entry("F32", "[3]", 0, 12) +
                         ",\"b\":" + Entry("F32", "[3]", 0, 12) + "}",
                     d12)),
      HasSubstr(
          "tensor 'b' at offsets [0, 12) overlaps tensor 'a' at [0, 12)"));
  // A zero-size tensor inside another one.
  EXPECT_THAT(
      StError(MakeSt("{\"a\":" + Entry("F32", "[3]", 0, 12) +
                         ",\"z\":" + Entry("F32", "[0]", 4, 4) + "}",
                     d12)),
      HasSubstr("tensor 'z' at offsets [4, 4) overlaps tensor 'a' at [0, 12)"));
  EXPECT_EQ(StError(MakeSt("{\"a\":" + Entry("F32", "[1]", 0, 4) +
                               ",\"b\":" + Entry("F32", "[1]", 8, 12) + "}",
                           d12)),
            "m.safetensors: hole in the data section: bytes [4, 8) belong to "
            "no tensor (before "
            "tensor 'b')");
  EXPECT_THAT(
      StError(MakeSt("{\"a\":" + Entry("F32", "[2]", 4, 12) + "}", d12)),
      HasSubstr("hole in the data section: bytes [0, 4)"));
  EXPECT_EQ(StError(MakeSt("{\"a\":" + Entry("F32", "[2]", 0, 8) + "}", d12)),
            "m.safetensors: the data section has 12 bytes but the tensors "
            "cover only [0, 8); 4 "
            "bytes belong to no tensor");
  EXPECT_THAT(StError(MakeSt("{}", "abcd")),
              HasSubstr("cover only [0, 0); 4 bytes"));
}

TEST(SafetensorsMalformed, DuplicateNames) {
  const std::string e = Entry("F32", "[1]", 0, 4);
  EXPECT_EQ(StError(MakeSt("{\"a\":" + e + ",\"a\":" + e + "}",
                           std::string(4, '\0'))),
            "m.safetensors: duplicate key 'a' in the safetensors header "
            "(tensor names must be "
            "unique)");
  EXPECT_THAT(StError(MakeSt(
                  "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],"
                  "\"data_offsets\":[0,4]}}",
                  std::string(4, '\0'))),
              HasSubstr("duplicate key 'dtype'"));
  EXPECT_THAT(StError(MakeSt("{\"__metadata__\":{},\"__metadata__\":{}}")),
              HasSubstr("duplicate key '__metadata__'"));
  // The same key in different objects is fine.
  const std::string ok =
      MakeSt("{\"__metadata__\":{\"dtype\":\"x\"},\"dtype\":" + e + "}",
             std::string(4, '\0'));
  EXPECT_EQ(parse_safetensors_header(B(ok), ok.size()).entries[0].name,
            "dtype");
}

TEST(SafetensorsMalformed, BadMetadata) {
  EXPECT_EQ(StError(MakeSt("{\"__metadata__\":[]}")),
            "m.safetensors: \"__metadata__\" must be an object of string "
            "values, got array");
  EXPECT_THAT(StError(MakeSt("{\"__metadata__\":\"x\"}")),
              HasSubstr("got string"));
  EXPECT_EQ(StError(MakeSt("{\"__metadata__\":{\"epochs\":3}}")),
            "m.safetensors: \"__metadata__\" value for 'epochs' must be a "
            "string, got number");
  EXPECT_THAT(StError(MakeSt("{\"__metadata__\":{\"a\":{\"b\":\"c\"}}}")),
              HasSubstr("got object"));
  EXPECT_THAT(StError(MakeSt("{\"__metadata__\":{\"a\":null}}")),
              HasSubstr("got null"));
}

TEST(SafetensorsMalformed, InvalidUtf8Name) {
  for (const std::string& name :
       {std::string("\xff"), std::string("a\xc3"), std::string("\xed\xa0\x80"),
        std::string("\xc0\xaf")}) {
    const std::string msg =
        StError(MakeSt("{\"" + name + "\":" + Entry("F32", "[1]", 0, 4) + "}",
                       std::string(4, '\0')));
    EXPECT_THAT(
        msg, AllOf(HasSubstr("not valid JSON"), HasSubstr("UTF-8"), OneLine()));
    EXPECT_EQ(msg.find(name), std::string::npos);  // raw bytes escaped
  }
}

TEST(SafetensorsHeader, AllDtypesAreListedWithTheirSizes) {
  struct D {
    const char* name;
    int bits;
    std::optional<DType> dtype;
  };
  const D dtypes[] = {{"BOOL", 8, {}},
                      {"F4", 4, {}},
                      {"F6_E2M3", 6, {}},
                      {"F6_E3M2", 6, {}},
                      {"U8", 8, {}},
                      {"I8", 8, {}},
                      {"F8_E5M2", 8, {}},
                      {"F8_E4M3", 8, {}},
                      {"F8_E8M0", 8, {}},
                      {"I16", 16, {}},
                      {"U16", 16, {}},
                      {"F16", 16, DType::kF16},
                      {"BF16", 16, DType::kBF16},
                      {"I32", 32, {}},
                      {"U32", 32, {}},
                      {"F32", 32, DType::kF32},
                      {"C64", 64, {}},
                      {"F64", 64, DType::kF64},
                      {"I64", 64, {}},
                      {"U64", 64, {}}};
  std::string header = "{";
  uint64_t offset = 0;
  int i = 0;
  for (const D& d : dtypes) {
    const uint64_t bytes =
        8 * static_cast<uint64_t>(d.bits) / 8;  // shape [2, 4]
    if (i > 0) header += ",";
    ++i;
    header += "\"t" + std::to_string(i) +
              "\":" + Entry(d.name, "[2,4]", offset, offset + bytes);
    offset += bytes;
  }
  header += "}";
  const std::string file = MakeSt(header, std::string(offset, '\0'));
  const SafetensorsHeader h = parse_safetensors_header(B(file), file.size());
  ASSERT_EQ(h.entries.size(), std::size(dtypes));
  for (std::size_t k = 0; k < std::size(dtypes); ++k) {
    EXPECT_EQ(h.entries[k].dtype_name, dtypes[k].name);
    EXPECT_EQ(h.entries[k].dtype, dtypes[k].dtype) << dtypes[k].name;
  }
  EXPECT_EQ(parse_safetensors(B(file)).size(), 4u);
}

TEST(SafetensorsHeader, OddButValidNumbers) {
  // -0 is a non-negative integer in JSON.
  const std::string f = MakeSt(
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[-0],\"data_offsets\":[-0,0]}}");
  EXPECT_EQ(parse_safetensors(B(f)).at(0).second.shape(), (Shape{0}));
  // A zero-size shape whose other dims overflow a Tensor shape is listed but
  // cannot be read.
  const std::string g =
      MakeSt("{\"a\":" + Entry("F32", "[4611686018427387904,4,0]", 0, 0) + "}");
  EXPECT_EQ(parse_safetensors_header(B(g), g.size()).entries.size(), 1u);
  EXPECT_EQ(
      ErrorOf([&] { (void)parse_safetensors(B(g), {}, "m.safetensors"); }),
      "m.safetensors: tensor 'a': shape [4611686018427387904, 4, 0] has more "
      "than 2^62 elements");
}

TEST(SafetensorsHeader, ZeroSizeTensorsAndPadding) {
  const std::string h = "{\"z\":" + Entry("F32", "[0,3]", 0, 0) +
                        ",\"a\":" + Entry("F32", "[2]", 0, 8) +
                        ",\"y\":" + Entry("BF16", "[0]", 8, 8) + "}   ";
  const std::string file = MakeSt(h, std::string(8, '\0'));
  const auto all = parse_safetensors(B(file));
  // Sorted by (begin, end): z [0, 0), a [0, 8), y [8, 8).
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].first, "z");
  EXPECT_EQ(all[0].second.numel(), 0);
  EXPECT_EQ(all[0].second.shape(), (Shape{0, 3}));
  EXPECT_EQ(all[1].first, "a");
  EXPECT_EQ(all[2].first, "y");
  EXPECT_EQ(all[2].second.dtype(), DType::kBF16);
}

// ---- reader on files -------------------------------------------------------

class SafetensorsReaderFile : public TempDirTest {};

TEST_F(SafetensorsReaderFile, MalformedFilesAreRefusedWithThePath) {
  const std::string path = Path("bad.safetensors");
  WriteFile(path, MakeSt("{\"a\":" + Entry("F32", "[2]", 0, 8) + "}",
                         std::string(4, '\0')));
  EXPECT_EQ(ErrorOf([&] { SafetensorsReader r(path); }),
            path +
                ": tensor 'a' declares 8 bytes at offsets [0, 8) but the data "
                "section has 4 "
                "bytes");
  WriteFile(path, "short");
  EXPECT_THAT(ErrorOf([&] { SafetensorsReader r(path); }),
              HasSubstr(path + ": not a safetensors file"));
  std::string past = MakeSt("{}");
  past[1] = '\x10';
  WriteFile(path, past);
  EXPECT_THAT(ErrorOf([&] { SafetensorsReader r(path); }),
              HasSubstr("goes past the end of the file"));
}

TEST_F(SafetensorsReaderFile, EntryFromElsewhereIsChecked) {
  const Tensor t = Patterned(DType::kF32, {4});
  const std::string path = Path("m.safetensors");
  write_safetensors(path, {{"w", &t}});
  SafetensorsReader reader(path);
  SafetensorsEntry e = reader.header().entries[0];
  e.end = 32;  // beyond the data
  e.shape = {8};
  EXPECT_THAT(ErrorOf([&] { (void)reader.read(e); }),
              HasSubstr("do not match shape [8]"));
  e = reader.header().entries[0];
  e.shape = {-1};
  EXPECT_THAT(ErrorOf([&] { (void)reader.read(e); }),
              HasSubstr("negative dimension"));
}

TEST(SafetensorsRobustness, TruncationsAndMutationsOnlyThrowError) {
  const std::string good = ReadFile(Data("model.safetensors"));
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_THAT(StError(good.substr(0, n)),
                AllOf(HasSubstr("m.safetensors: "), OneLine()))
        << n;
  }
  std::mt19937 rng(777);
  int parsed = 0, refused = 0;
  for (int iter = 0; iter < 5000; ++iter) {
    std::string bad = good;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < flips; ++k) {
      // Mostly in the header, where the structure is.
      const std::size_t at = 8 + rng() % (bad.size() - 8);
      bad[rng() % 4 == 0 ? rng() % 8 : at] = static_cast<char>(rng());
    }
    try {
      (void)parse_safetensors(B(bad), {.max_elements = 1 << 20},
                              "m.safetensors");
      ++parsed;
    } catch (const Error& e) {
      ++refused;
      EXPECT_THAT(std::string(e.what()),
                  AllOf(HasSubstr("m.safetensors: "), OneLine()));
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(parsed, 0);
}

// ============================================================================
// helpers: write_file_atomically, tensor_file_kind
// ============================================================================

class IoAtomicWrite : public TempDirTest {};

mode_t Umask() {
  const mode_t m = ::umask(022);
  ::umask(m);
  return m;
}

TEST_F(IoAtomicWrite, WritesReplacesAndLeavesNoTemporary) {
  const std::string path = Path("f.bin");
  write_file_atomically(path, B("hello"));
  EXPECT_EQ(ReadFile(path), "hello");
  write_file_atomically(path, B("x"));
  EXPECT_EQ(ReadFile(path), "x");
  write_file_atomically(path, B(""));
  EXPECT_EQ(ReadFile(path), "");
  EXPECT_EQ(Listing(), std::set<std::string>{"f.bin"});
  // Permissions as for a plain creat(2), not mkstemp's 0600.
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0666 & ~Umask());
}

TEST_F(IoAtomicWrite, RelativePathInTheCurrentDirectory) {
  const fs::path old = fs::current_path();
  fs::current_path(dir_);
  write_file_atomically("rel.bin", B("abc"));
  fs::current_path(old);
  EXPECT_EQ(ReadFile(Path("rel.bin")), "abc");
  EXPECT_EQ(Listing(), std::set<std::string>{"rel.bin"});
}

TEST_F(IoAtomicWrite, MissingDirectory) {
  const std::string path = Path("nope/f.npy");
  EXPECT_EQ(ErrorOf([&] { write_file_atomically(path, B("x")); }),
            path + ": cannot create a temporary file in '" + Path("nope") +
                "': No such file or directory");
  EXPECT_TRUE(Listing().empty());
  const Tensor t = Patterned(DType::kF32, {3});
  EXPECT_THAT(ErrorOf([&] { write_npy(path, t); }), HasSubstr(path + ": "));
  EXPECT_TRUE(Listing().empty());
}

TEST_F(IoAtomicWrite, UnwritableDirectory) {
  // /proc refuses new files even for root.
  const std::string proc = "/proc/initcheck_io_test.npy";
  EXPECT_THAT(
      ErrorOf([&] { write_file_atomically(proc, B("x")); }),
      AllOf(HasSubstr(proc + ": cannot create a temporary file in '/proc': "),
            OneLine()));
  EXPECT_FALSE(fs::exists(proc));
  // A read-only directory (only meaningful without root's override).
  if (::geteuid() != 0) {
    fs::create_directory(Path("ro"));
    fs::permissions(Path("ro"), fs::perms::owner_read | fs::perms::owner_exec);
    EXPECT_THAT(
        ErrorOf([&] { write_file_atomically(Path("ro/f.npy"), B("x")); }),
        HasSubstr("Permission denied"));
    fs::permissions(Path("ro"), fs::perms::owner_all);
    EXPECT_TRUE(fs::is_empty(Path("ro")));
  }
}

TEST_F(IoAtomicWrite, ParentIsAFileOrTargetIsADirectory) {
  WriteFile(Path("file"), "x");
  EXPECT_THAT(
      ErrorOf([&] { write_file_atomically(Path("file/f.npy"), B("x")); }),
      HasSubstr("Not a directory"));
  fs::create_directory(Path("d"));
  EXPECT_THAT(
      ErrorOf([&] { write_file_atomically(Path("d"), B("x")); }),
      AllOf(HasSubstr(Path("d") + ": cannot rename the temporary file: "),
            OneLine()));
  EXPECT_EQ(Listing(), (std::set<std::string>{"d", "file"}));
  EXPECT_TRUE(fs::is_empty(Path("d")));
  EXPECT_THAT(ErrorOf([&] { write_file_atomically("", B("x")); }),
              HasSubstr("empty name"));
  EXPECT_THAT(ErrorOf([&] { write_file_atomically(Path("d/"), B("x")); }),
              HasSubstr("is a directory name"));
}

TEST(IoFileKind, FromTheExtension) {
  EXPECT_EQ(tensor_file_kind("w.npy"), "npy");
  EXPECT_EQ(tensor_file_kind("/a/b.c/model.safetensors"), "safetensors");
  EXPECT_EQ(tensor_file_kind("W.NPY"), "npy");
  EXPECT_EQ(tensor_file_kind("m.SafeTensors"), "safetensors");
  EXPECT_EQ(ErrorOf([] { (void)tensor_file_kind("w.npz"); }),
            "w.npz: .npz archives are not supported; use .npy or .safetensors");
  EXPECT_EQ(
      ErrorOf([] { (void)tensor_file_kind("w.pt"); }),
      "w.pt: unknown tensor file extension '.pt'; use .npy or .safetensors");
  EXPECT_THAT(ErrorOf([] { (void)tensor_file_kind("model"); }),
              HasSubstr("model: no file extension to tell the format; use .npy "
                        "or .safetensors"));
  EXPECT_THAT(ErrorOf([] { (void)tensor_file_kind("dir.npy/model"); }),
              HasSubstr("no file extension"));
  EXPECT_THAT(ErrorOf([] { (void)tensor_file_kind("w."); }),
              HasSubstr("no file extension"));
}

}  // namespace
}  // namespace initcheck
