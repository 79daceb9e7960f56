// Fuzz target: NumPy .npz archives (libzip), in memory (parse_npz) and as a
// file through Checkpoint (the reader `initcheck check` uses).
//
// Invariants checked for every input:
//   - only initcheck::Error escapes, with a one-line message;
//   - the file reader and the in-memory parser agree: the same entries
//     (names, dtypes, shapes, element kinds), the same bytes of every entry,
//     or both refuse (the file reader may refuse at open or at read);
//   - every accepted member has numel * element size data bytes and a
//     supported element kind, and names are unique;
//   - ReadLimits::max_elements is honoured (limit 64): a member over it is
//     refused, with "raise it with --max-elements".
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "initcheck/checkpoint.h"
#include "initcheck/error.h"

namespace initcheck::internal {
// lib/src/npz.cc: the .npz Checkpoint, opened by path whatever its name.
std::unique_ptr<Checkpoint> open_npz(const std::string& path, const ReadLimits& limits);
}  // namespace initcheck::internal

namespace {

using initcheck::Error;

struct Outcome {
  std::vector<initcheck::NpzMember> members;
  std::string error;
  bool ok = false;
};

Outcome FromFile(const std::string& path, const initcheck::ReadLimits& limits) {
  Outcome o;
  try {
    const auto ck = initcheck::internal::open_npz(path, limits);
    for (std::size_t i = 0; i < ck->entries().size(); ++i) {
      const initcheck::TensorData d = ck->read(i);
      initcheck::NpzMember m;
      m.entry = ck->entries()[i];
      m.data.assign(d.data(), d.data() + d.nbytes());
      o.members.push_back(std::move(m));
    }
    o.ok = true;
  } catch (const Error& e) {
    initcheck::fuzz::CheckMessage(e.what());
    o.error = e.what();
  }
  return o;
}

Outcome FromMemory(std::span<const std::byte> bytes, const std::string& what,
                   const initcheck::ReadLimits& limits) {
  Outcome o;
  try {
    o.members = initcheck::parse_npz(bytes, limits, what);
    o.ok = true;
  } catch (const Error& e) {
    initcheck::fuzz::CheckMessage(e.what());
    o.error = e.what();
  }
  return o;
}

bool Same(const initcheck::NpzMember& a, const initcheck::NpzMember& b) {
  return a.entry.name == b.entry.name && a.entry.dtype_name == b.entry.dtype_name &&
         a.entry.shape == b.entry.shape && a.entry.kind == b.entry.kind &&
         a.entry.element_bytes == b.entry.element_bytes && a.data == b.data;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static initcheck::fuzz::ScratchFile scratch;
  const std::string& path = scratch.Write(data, size);
  const auto bytes = initcheck::fuzz::AsBytes(data, size);
  const Outcome mem = FromMemory(bytes, path, {});
  const Outcome file = FromFile(path, {});
  INITCHECK_FUZZ_CHECK(mem.ok == file.ok, "memory: " + mem.error + " | file: " + file.error);
  if (mem.ok) {
    INITCHECK_FUZZ_CHECK(mem.members.size() == file.members.size(), "member count");
    std::set<std::string> names;
    for (std::size_t i = 0; i < mem.members.size(); ++i) {
      const initcheck::NpzMember& m = mem.members[i];
      INITCHECK_FUZZ_CHECK(Same(m, file.members[i]), "member " + m.entry.name + " differs");
      INITCHECK_FUZZ_CHECK(names.insert(m.entry.name).second, "duplicate " + m.entry.name);
      INITCHECK_FUZZ_CHECK(m.entry.kind != initcheck::ElementKind::kUnsupported, m.entry.name);
      INITCHECK_FUZZ_CHECK(m.data.size() == static_cast<std::size_t>(m.entry.numel()) *
                                                static_cast<std::size_t>(m.entry.element_bytes),
                           m.entry.name);
    }
  }
  // The element limit.
  initcheck::ReadLimits small;
  small.max_elements = 64;
  const Outcome lim = FromMemory(bytes, path, small);
  if (mem.ok) {
    bool fits = true;
    for (const auto& m : mem.members) fits = fits && m.entry.numel() <= 64;
    INITCHECK_FUZZ_CHECK(lim.ok == fits, lim.error);
    if (!fits) {
      INITCHECK_FUZZ_CHECK(lim.error.find("raise it with --max-elements") != std::string::npos,
                           lim.error);
    }
  } else {
    INITCHECK_FUZZ_CHECK(!lim.ok, "limited parse succeeded where the unlimited one did not");
  }
  return 0;
}
