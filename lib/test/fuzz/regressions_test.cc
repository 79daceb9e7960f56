// Regression tests for the bugs the fuzz targets and the robustness review
// found in lib (each also has an input under regressions/<target>/ when a
// fuzz target found it).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include "initcheck/error.h"
#include "initcheck/fans.h"
#include "initcheck/io.h"

namespace initcheck {
namespace {

namespace fs = std::filesystem;

std::string MessageOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

// A .npy (format 2.0) with the given header dict and data.
std::vector<std::byte> Npy(const std::string& dict,
                           const std::vector<std::byte>& data) {
  std::string h = dict;
  const size_t total = 12 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h += '\n';
  std::vector<std::byte> out;
  for (char c : std::string("\x93NUMPY\x02\x00", 8))
    out.push_back(std::byte(c));
  for (int i = 0; i < 4; ++i)
    out.push_back(std::byte((h.size() >> (8 * i)) & 0xff));
  for (char c : h) out.push_back(std::byte(c));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// Found by review: FortranToC carried through every dimension of size 1 on
// each element, so a header with 100000 unit dimensions made reading cost
// numel x rank steps (8.5 s for this 500 KB file; hours for 100 MB). Unit
// dimensions are now squeezed out first.
TEST(NpyRegression, FortranOrderWithManyUnitDimensionsIsLinear) {
  constexpr int kRank = 100000, kN = 100000;
  std::string dict = "{'descr': '<f2', 'fortran_order': True, 'shape': (" +
                     std::to_string(kN) + ", ";
  for (int i = 0; i < kRank; ++i) dict += "1, ";
  dict += "), }";
  std::vector<std::byte> data(2 * kN);
  for (int i = 0; i < kN; ++i) {
    data[2 * i] = std::byte(i & 0xff);
    data[2 * i + 1] = std::byte((i >> 8) & 0x3f);
  }
  const std::vector<std::byte> file = Npy(dict, data);
  const auto start = std::chrono::steady_clock::now();
  const Tensor t = parse_npy(file);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_LT(seconds, 2.0);  // ~10 ms now; 8.5 s (release) before the fix
  ASSERT_EQ(t.numel(), kN);
  ASSERT_EQ(t.shape().size(), size_t{kRank + 1});
  EXPECT_EQ(std::memcmp(t.data(), data.data(), data.size()), 0);
}

// The squeeze keeps the Fortran-to-C transposition right when unit
// dimensions sit between the others.
TEST(NpyRegression, FortranOrderWithUnitDimensionsInBetween) {
  // shape (2, 1, 3, 1): element [i, 0, j, 0] is stored at i + 2 j.
  std::vector<std::byte> data(6 * sizeof(float));
  for (int j = 0; j < 3; ++j) {
    for (int i = 0; i < 2; ++i) {
      const float v = static_cast<float>(10 * i + j);
      std::memcpy(data.data() + sizeof(float) * (i + 2 * j), &v, sizeof v);
    }
  }
  const Tensor t = parse_npy(
      Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 1, 3, 1), }",
          data));
  ASSERT_EQ(t.shape(), (Shape{2, 1, 3, 1}));
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j)
      EXPECT_EQ(t.as<float>()[3 * i + j], 10.0f * i + j);
  }
}

// Found by review: opening a FIFO for reading blocked until a writer came
// (forever: `initcheck check pipe.npy` hung). It is now refused as not a
// regular file. If the open blocks again, the test unblocks it by opening
// the FIFO for writing and fails instead of hanging.
TEST(IoRegression, FifoIsRefusedWithoutBlocking) {
  const fs::path dir = fs::temp_directory_path() /
                       ("initcheck_fifo_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const char* name : {"pipe.npy", "pipe.safetensors"}) {
    const std::string path = (dir / name).string();
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << std::strerror(errno);
    auto reading = std::async(std::launch::async, [&] {
      return MessageOf([&] {
        if (fs::path(path).extension() == ".npy") {
          (void)read_npy(path);
        } else {
          SafetensorsReader r(path);
        }
      });
    });
    if (reading.wait_for(std::chrono::seconds(10)) !=
        std::future_status::ready) {
      const int w =
          ::open(path.c_str(), O_WRONLY | O_NONBLOCK);  // release the reader
      if (w >= 0) ::close(w);
      ADD_FAILURE() << "opening the FIFO " << path << " blocked";
    }
    EXPECT_EQ(reading.get(), path + ": not a regular file");
  }
  fs::remove_all(dir);
}

// Found by the shape fuzz target (regressions/shape/newline_in_error_message):
// parse_shape quoted its input raw, so `--shape $'\n,1'` gave a two-line
// error. Control characters are now escaped and long input cut.
TEST(ShapeRegression, ErrorMessagesAreOneLine) {
  for (const std::string& text :
       {std::string("\n,1,1,1,2,1,:,0"), std::string("5,\r\n"),
        std::string("5,0\n"), std::string("1\x01"),
        std::string(500, '9') + "x"}) {
    const std::string m = MessageOf([&] { (void)parse_shape(text); });
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_EQ(m.find('\r'), std::string::npos) << m;
    EXPECT_LT(m.size(), 300u) << m;
    EXPECT_EQ(m.rfind("bad shape '", 0), 0u) << m;
  }
  EXPECT_EQ(MessageOf([] { (void)parse_shape("5,\n:"); }),
            "bad shape '5,\\n:': expected comma-separated positive integers, "
            "e.g. 64,32,3,3");
  EXPECT_EQ(MessageOf([] { (void)parse_shape("5\t;"); }),
            "bad shape '5\\x09;': unexpected ';'");
}

// Found by review: the safetensors header was parsed with a nlohmann parse
// callback (to refuse duplicate keys), and nlohmann's callback parser rescans
// the enclosing object after every nested object: quadratic in the number of
// tensors (100000 zero-size tensors, a 6 MB header: 355 s; a 99 MB
// one: hours). Duplicate keys are now found by a separate SAX pass.
TEST(SafetensorsRegression, HeaderParseIsLinearInTheNumberOfTensors) {
  constexpr int kTensors = 100000;
  std::string json = "{\"__metadata__\":{\"format\":\"pt\"}";
  for (int i = 0; i < kTensors; ++i) {
    json += ",\"t" + std::to_string(i) +
            "\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}";
  }
  json += "}";
  json.append((8 - json.size() % 8) % 8, ' ');
  std::vector<std::byte> file(8 + json.size());
  for (int i = 0; i < 8; ++i)
    file[i] = std::byte((json.size() >> (8 * i)) & 0xff);
  std::memcpy(file.data() + 8, json.data(), json.size());
  const auto start = std::chrono::steady_clock::now();
  const SafetensorsHeader h = parse_safetensors_header(file, file.size());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_EQ(h.entries.size(), size_t{kTensors});
  EXPECT_LT(seconds, 10.0);  // 0.3 s now (release); 355 s before
  // Duplicates are still refused, in nested objects too, and invalid JSON is
  // reported as such even when it also repeats a key.
  auto header_error = [](const std::string& j) {
    std::string padded = j;
    padded.append((8 - padded.size() % 8) % 8, ' ');
    std::vector<std::byte> f(8 + padded.size());
    for (int i = 0; i < 8; ++i)
      f[i] = std::byte((padded.size() >> (8 * i)) & 0xff);
    std::memcpy(f.data() + 8, padded.data(), padded.size());
    return MessageOf([&] { (void)parse_safetensors_header(f, f.size()); });
  };
  EXPECT_EQ(header_error("{\"a\":{},\"a\":{}}"),
            "<memory>: duplicate key 'a' in the safetensors header (tensor "
            "names must be "
            "unique)");
  EXPECT_EQ(header_error("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}"),
            "<memory>: duplicate key 'k' in the safetensors header (tensor "
            "names must be "
            "unique)");
  EXPECT_EQ(header_error("{\"a\":{},\"a\":{}")
                .rfind("<memory>: safetensors header is not valid JSON: ", 0),
            0u);
}

}  // namespace
}  // namespace initcheck
