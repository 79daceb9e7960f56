// NumPy .npz archives (see initcheck/checkpoint.h), read with libzip.
//
// Format (numpy.lib.npyio savez / savez_compressed): a zip archive (ZIP64
// when large) whose members are .npy files named "<key>.npy", stored
// (savez) or deflated (savez_compressed); np.load names each array by its
// member name without ".npy". The archive is opened with ZIP_CHECKCONS
// (libzip's stricter consistency checks); each member's .npy header is read
// and validated against the member's uncompressed size on open, and its
// data is read (and its CRC checked, by reading to the end of the member)
// when the entry is read. Members are read into an owned buffer: a deflated
// member must be inflated anyway, and a stored one is at an arbitrary
// offset of the archive.
#include <zip.h>

#include <cstring>
#include <mutex>
#include <set>

#include "initcheck/checkpoint.h"
#include "initcheck/error.h"
#include "initcheck/internal/text.h"
#include "io_internal.h"

namespace initcheck {
namespace {

std::string ZipErrorText(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string text = zip_error_strerror(&e);
  zip_error_fini(&e);
  return text;
}

struct ZipCloser {
  void operator()(zip_t* z) const {
    if (z != nullptr) zip_discard(z);
  }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

struct ZipFileCloser {
  void operator()(zip_file_t* f) const {
    if (f != nullptr) zip_fclose(f);
  }
};
using ZipFilePtr = std::unique_ptr<zip_file_t, ZipFileCloser>;

// What an archive member is: its index, entry and .npy header.
struct Member {
  zip_uint64_t index = 0;
  CheckpointEntry entry;
  internal::NpyInfo info;
  std::string what;  // "archive.npz: member 'w.npy'"
};

// Reads exactly n bytes of an open member; throws Error naming it.
void ReadExact(zip_file_t* f, std::byte* dst, uint64_t n, const std::string& what) {
  while (n > 0) {
    const zip_int64_t got = zip_fread(f, dst, n);
    if (got < 0) throw Error(what + ": cannot read: " + zip_file_strerror(f));
    if (got == 0) throw Error(what + ": member ends early (truncated or corrupt archive)");
    dst += got;
    n -= static_cast<uint64_t>(got);
  }
}

ZipFilePtr OpenMember(zip_t* z, const Member& m) {
  ZipFilePtr f(zip_fopen_index(z, m.index, 0));
  if (!f) throw Error(m.what + ": cannot open: " + zip_strerror(z));
  return f;
}

// Lists the members of an archive and parses their .npy headers.
std::vector<Member> ListMembers(zip_t* z, const std::string& what, const ReadLimits& limits) {
  const zip_int64_t n = zip_get_num_entries(z, 0);
  if (n < 0) throw Error(what + ": cannot list the archive: " + zip_strerror(z));
  std::vector<Member> out;
  std::set<std::string> seen;
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW, &st) != 0) {
      throw Error(what + ": cannot read member " + std::to_string(i) + ": " + zip_strerror(z));
    }
    const std::string name = (st.valid & ZIP_STAT_NAME) && st.name ? st.name : "";
    if (!name.empty() && name.back() == '/') continue;  // a directory entry
    Member m;
    m.index = static_cast<zip_uint64_t>(i);
    m.what = what + ": member " + internal::quoted(name);
    const std::string suffix = ".npy";
    if (name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      throw Error(m.what + " is not a .npy array (np.savez writes NAME.npy members)");
    }
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
      throw Error(m.what + " is encrypted");
    }
    if (!(st.valid & ZIP_STAT_SIZE)) throw Error(m.what + ": unknown size");
    const uint64_t total = st.size;
    // The preamble, then the header it announces (bounded by the .npy
    // reader's header limit and the member's size).
    ZipFilePtr f = OpenMember(z, m);
    std::vector<std::byte> prefix(static_cast<std::size_t>(total < 12 ? total : 12));
    ReadExact(f.get(), prefix.data(), prefix.size(), m.what);
    const uint64_t end = internal::npy_header_end(prefix, total, m.what);
    const std::size_t have = prefix.size();
    prefix.resize(static_cast<std::size_t>(end));
    ReadExact(f.get(), prefix.data() + have, end - have, m.what);
    m.info = internal::parse_npy_info(prefix, total, m.what);
    internal::check_npy_data(m.info, total - m.info.data_offset, limits, m.what);
    m.entry.name = name.substr(0, name.size() - suffix.size());
    if (!seen.insert(m.entry.name).second) throw Error(m.what + " appears twice");
    m.entry.dtype_name = m.info.element.name;
    m.entry.dtype = m.info.element.dtype;
    m.entry.kind = m.info.element.kind;
    m.entry.element_bytes = m.info.element.bytes;
    m.entry.shape = m.info.shape;
    m.entry.file = what;
    out.push_back(std::move(m));
  }
  return out;
}

// Reads member m's data (in C order) into dst (m.info.nbytes bytes), then
// reads on to the end of the member so that libzip checks its CRC.
void ReadMember(zip_t* z, const Member& m, std::byte* dst) {
  ZipFilePtr f = OpenMember(z, m);
  std::vector<std::byte> header(static_cast<std::size_t>(m.info.data_offset));
  ReadExact(f.get(), header.data(), header.size(), m.what);
  if (!internal::npy_needs_reorder(m.info)) {
    ReadExact(f.get(), dst, m.info.nbytes, m.what);
  } else {
    std::unique_ptr<std::byte[]> raw(new std::byte[m.info.nbytes]);
    ReadExact(f.get(), raw.get(), m.info.nbytes, m.what);
    internal::npy_to_c_order(m.info, raw.get(), dst);
  }
  std::byte extra[1];
  const zip_int64_t more = zip_fread(f.get(), extra, 1);
  if (more < 0) throw Error(m.what + ": " + zip_file_strerror(f.get()));
  if (more > 0) throw Error(m.what + ": data continues past the .npy array");
}

class NpzCheckpoint final : public Checkpoint {
 public:
  NpzCheckpoint(const std::string& path, const ReadLimits& limits) : Checkpoint(path) {
    uint64_t size = 0;
    const int fd = internal::open_regular_file(path, &size);
    if (size == 0) {
      internal::close_fd(fd);
      throw Error(path + ": empty file, not a .npz archive");
    }
    int code = 0;
    zip_t* z = zip_fdopen(fd, ZIP_CHECKCONS, &code);
    if (z == nullptr) {
      internal::close_fd(fd);  // not taken over on failure
      throw Error(path + ": not a readable .npz (zip) archive: " + ZipErrorText(code));
    }
    zip_.reset(z);
    members_ = ListMembers(zip_.get(), path, limits);
    for (const Member& m : members_) entries_.push_back(m.entry);
    index_entries();
  }
  std::string_view kind() const override { return "npz"; }
  TensorData read(std::size_t i) const override {
    const Member& m = members_.at(i);
    const std::size_t n = static_cast<std::size_t>(m.info.nbytes);
    if (n == 0) return TensorData(m.entry, nullptr, nullptr, false);
    const std::size_t alloc = std::max<std::size_t>(64, (n + 63) / 64 * 64);
    void* p = std::aligned_alloc(64, alloc);
    if (p == nullptr) throw std::bad_alloc();
    std::shared_ptr<std::byte> buf(static_cast<std::byte*>(p),
                                   [](std::byte* q) { std::free(q); });
    {
      // A zip_t is not thread-safe: one member at a time (the battery, not
      // inflating, dominates the time).
      std::lock_guard<std::mutex> lock(mu_);
      ReadMember(zip_.get(), m, buf.get());
    }
    const std::byte* data = buf.get();
    return TensorData(m.entry, data, std::move(buf), false);
  }

 private:
  ZipPtr zip_;
  std::vector<Member> members_;
  mutable std::mutex mu_;
};

}  // namespace

namespace internal {

std::unique_ptr<Checkpoint> open_npz(const std::string& path, const ReadLimits& limits) {
  return std::make_unique<NpzCheckpoint>(path, limits);
}

}  // namespace internal

std::vector<NpzMember> parse_npz(std::span<const std::byte> bytes, const ReadLimits& limits,
                                 const std::string& what) {
  if (bytes.empty()) throw Error(what + ": empty file, not a .npz archive");
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  if (src == nullptr) {
    const std::string text = zip_error_strerror(&err);
    zip_error_fini(&err);
    throw Error(what + ": cannot read the archive: " + text);
  }
  zip_t* z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (z == nullptr) {
    zip_source_free(src);
    const std::string text = zip_error_strerror(&err);
    zip_error_fini(&err);
    throw Error(what + ": not a readable .npz (zip) archive: " + text);
  }
  zip_error_fini(&err);
  ZipPtr zip(z);
  const std::vector<Member> members = ListMembers(z, what, limits);
  std::vector<NpzMember> out;
  for (const Member& m : members) {
    NpzMember nm;
    nm.entry = m.entry;
    nm.data.resize(static_cast<std::size_t>(m.info.nbytes));
    if (!nm.data.empty()) ReadMember(z, m, nm.data.data());
    out.push_back(std::move(nm));
  }
  return out;
}

}  // namespace initcheck
