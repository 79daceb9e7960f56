// Checkpoint: one interface over the tensor file formats (see
// initcheck/checkpoint.h). .npy, .safetensors and sharded safetensors live
// here; .npz in npz.cc.
#include "initcheck/checkpoint.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <set>

#include "initcheck/error.h"
#include "initcheck/internal/text.h"
#include "io_internal.h"

namespace initcheck {

namespace internal {
// npz.cc
std::unique_ptr<Checkpoint> open_npz(const std::string& path, const ReadLimits& limits);
}  // namespace internal

namespace {

// An owned buffer of n bytes aligned for any element type (64 bytes).
std::shared_ptr<std::byte> AlignedBuffer(std::size_t n) {
  const std::size_t bytes = std::max<std::size_t>(64, (n + 63) / 64 * 64);
  void* p = std::aligned_alloc(64, bytes);
  if (p == nullptr) throw std::bad_alloc();
  return std::shared_ptr<std::byte>(static_cast<std::byte*>(p),
                                    [](std::byte* q) { std::free(q); });
}

// The element limit, checked before anything is mapped or allocated (the
// message the bad-input table expects).
void CheckLimit(const CheckpointEntry& e, const ReadLimits& limits, const std::string& what) {
  const int64_t n = e.numel();
  if (limits.max_elements < 0 || n > limits.max_elements) {
    throw Error(what + "shape " + shape_string(e.shape) + " has " + std::to_string(n) +
                " elements, more than the limit of " + std::to_string(limits.max_elements) +
                "; raise it with --max-elements");
  }
}

// "path: tensor 'name': " for messages about one entry ("path: " for a .npy).
std::string Prefix(const CheckpointEntry& e) {
  return e.name.empty() ? e.file + ": " : e.file + ": tensor " + internal::quoted(e.name) + ": ";
}

void CheckReadableKind(const CheckpointEntry& e) {
  if (e.kind == ElementKind::kUnsupported || e.element_bytes <= 0) {
    throw Error(Prefix(e) + "dtype " + e.dtype_name +
                " cannot be read (initcheck reads float, integer and bool tensors)");
  }
}

// Maps [offset, offset + nbytes) of `fd` as entry e's data, or reads it into
// an aligned buffer when the mapping would not be aligned to the element.
TensorData MapOrRead(const CheckpointEntry& e, int fd, uint64_t offset) {
  const uint64_t nbytes =
      static_cast<uint64_t>(e.numel()) * static_cast<uint64_t>(e.element_bytes);
  if (nbytes == 0) return TensorData(e, nullptr, nullptr, false);
  auto range = std::make_shared<internal::MappedRange>(fd, offset, nbytes, e.file);
  const auto addr = reinterpret_cast<std::uintptr_t>(range->data());
  if (addr % static_cast<std::uintptr_t>(e.element_bytes) == 0) {
    const std::byte* data = range->data();
    return TensorData(e, data, std::move(range), true);
  }
  // Misaligned (a safetensors file whose writer did not sort by alignment):
  // copy into aligned storage.
  std::shared_ptr<std::byte> buf = AlignedBuffer(static_cast<std::size_t>(nbytes));
  std::memcpy(buf.get(), range->data(), static_cast<std::size_t>(nbytes));
  const std::byte* data = buf.get();
  return TensorData(e, data, std::move(buf), false);
}

// ---- .npy --------------------------------------------------------------------

class NpyCheckpoint final : public Checkpoint {
 public:
  NpyCheckpoint(const std::string& path, const ReadLimits& limits) : Checkpoint(path) {
    uint64_t total = 0;
    fd_ = internal::open_regular_file(path, &total);
    try {
      std::vector<std::byte> prefix(static_cast<std::size_t>(total < 12 ? total : 12));
      internal::pread_exact(fd_, prefix.data(), prefix.size(), 0, path);
      const uint64_t end = internal::npy_header_end(prefix, total, path);
      prefix.resize(static_cast<std::size_t>(end));
      internal::pread_exact(fd_, prefix.data(), prefix.size(), 0, path);
      info_ = internal::parse_npy_info(prefix, total, path);
      internal::check_npy_data(info_, total - info_.data_offset, limits, path);
    } catch (...) {
      internal::close_fd(fd_);
      throw;
    }
    CheckpointEntry e;
    e.dtype_name = info_.element.name;
    e.dtype = info_.element.dtype;
    e.kind = info_.element.kind;
    e.element_bytes = info_.element.bytes;
    e.shape = info_.shape;
    e.file = path;
    entries_.push_back(std::move(e));
    index_entries();
  }
  ~NpyCheckpoint() override { internal::close_fd(fd_); }
  std::string_view kind() const override { return "npy"; }
  TensorData read(std::size_t i) const override {
    const CheckpointEntry& e = entries_.at(i);
    if (!internal::npy_needs_reorder(info_)) return MapOrRead(e, fd_, info_.data_offset);
    // Fortran order: read, then copy into C order.
    std::unique_ptr<std::byte[]> raw(new std::byte[info_.nbytes]);
    internal::pread_exact(fd_, raw.get(), info_.nbytes, info_.data_offset, path());
    std::shared_ptr<std::byte> buf = AlignedBuffer(static_cast<std::size_t>(info_.nbytes));
    internal::npy_to_c_order(info_, raw.get(), buf.get());
    const std::byte* data = buf.get();
    return TensorData(e, data, std::move(buf), false);
  }

 private:
  int fd_ = -1;
  internal::NpyInfo info_;
};

// ---- .safetensors (one file or the shards of an index) ------------------------

// One safetensors file, opened: its header and descriptor.
struct StFile {
  std::string path;
  int fd = -1;
  SafetensorsHeader header;

  StFile(const std::string& p) : path(p) {
    uint64_t size = 0;
    fd = internal::open_regular_file(path, &size);
    try {
      std::vector<std::byte> prefix(static_cast<std::size_t>(size < 8 ? size : 8));
      internal::pread_exact(fd, prefix.data(), prefix.size(), 0, path);
      // parse_safetensors_header validates the length against the file; read
      // exactly the announced header (at most 100 MB, checked there first).
      uint64_t n = 0;
      if (prefix.size() == 8) {
        for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(prefix[i]);
      }
      if (prefix.size() < 8 || n > 100'000'000 || 8 + n > size) {
        header = parse_safetensors_header(prefix, size, path);  // throws the right error
      }
      prefix.resize(static_cast<std::size_t>(8 + n));
      internal::pread_exact(fd, prefix.data() + 8, n, 8, path);
      header = parse_safetensors_header(prefix, size, path);
    } catch (...) {
      internal::close_fd(fd);
      throw;
    }
  }
  ~StFile() { internal::close_fd(fd); }
  StFile(const StFile&) = delete;
  StFile& operator=(const StFile&) = delete;
};

CheckpointEntry EntryOf(const SafetensorsEntry& s, const std::string& file) {
  const internal::ElementInfo el = internal::safetensors_element(s.dtype_name);
  CheckpointEntry e;
  e.name = s.name;
  e.dtype_name = s.dtype_name;
  e.dtype = el.dtype;
  e.kind = el.kind;
  e.element_bytes = el.bytes;
  e.shape = s.shape;
  e.file = file;
  return e;
}

class SafetensorsCheckpoint final : public Checkpoint {
 public:
  SafetensorsCheckpoint(const std::string& path, const ReadLimits& limits)
      : Checkpoint(path), limits_(limits), file_(path) {
    for (const SafetensorsEntry& s : file_.header.entries) {
      entries_.push_back(EntryOf(s, path));
      where_.push_back(&s);
    }
    index_entries();
  }
  std::string_view kind() const override { return "safetensors"; }
  TensorData read(std::size_t i) const override {
    const CheckpointEntry& e = entries_.at(i);
    CheckReadableKind(e);
    CheckLimit(e, limits_, Prefix(e));
    return MapOrRead(e, file_.fd, file_.header.data_start + where_[i]->begin);
  }

 private:
  ReadLimits limits_;
  StFile file_;
  std::vector<const SafetensorsEntry*> where_;
};

std::string Directory(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  return path.substr(0, slash + 1);
}

std::string ReadSmallFile(const std::string& path, uint64_t limit) {
  uint64_t size = 0;
  const int fd = internal::open_regular_file(path, &size);
  std::string text;
  try {
    if (size > limit) {
      throw Error(path + ": index of " + std::to_string(size) + " bytes exceeds the " +
                  std::to_string(limit) + "-byte limit (not a safetensors index?)");
    }
    if (size == 0) throw Error(path + ": empty file, not a safetensors index");
    text.resize(static_cast<std::size_t>(size));
    internal::pread_exact(fd, reinterpret_cast<std::byte*>(text.data()), size, 0, path);
  } catch (...) {
    internal::close_fd(fd);
    throw;
  }
  internal::close_fd(fd);
  return text;
}

class ShardedCheckpoint final : public Checkpoint {
 public:
  ShardedCheckpoint(const std::string& path, const ReadLimits& limits)
      : Checkpoint(path), limits_(limits) {
    const SafetensorsIndex idx =
        parse_safetensors_index(ReadSmallFile(path, 100'000'000), path);
    std::map<std::string, std::string> shard_of(idx.weight_map.begin(), idx.weight_map.end());
    const std::string dir = Directory(path);
    std::map<std::string, int64_t> listed;  // per shard: tensors the map puts there
    for (const auto& [name, shard] : idx.weight_map) ++listed[shard];
    for (const std::string& shard : idx.shards) {
      try {
        files_.push_back(std::make_unique<StFile>(dir + shard));
      } catch (const Error& e) {
        throw Error(path + ": shard " + internal::quoted(shard) + ": " + e.what());
      }
      const StFile& f = *files_.back();
      int64_t found = 0;
      for (const SafetensorsEntry& s : f.header.entries) {
        const auto it = shard_of.find(s.name);
        if (it == shard_of.end()) {
          throw Error(path + ": tensor " + internal::quoted(s.name) + " of shard " + internal::quoted(shard) +
                      " is not in the index's weight_map");
        }
        if (it->second != shard) {
          throw Error(path + ": tensor " + internal::quoted(s.name) + " is in shard " + internal::quoted(shard) +
                      " but the index maps it to " + internal::quoted(it->second));
        }
        ++found;
        entries_.push_back(EntryOf(s, f.path));
        where_.push_back({files_.size() - 1, &s});
      }
      if (found != listed[shard]) {
        for (const auto& mapped : idx.weight_map) {
          if (mapped.second != shard) continue;
          const std::string& name = mapped.first;
          const bool present = std::any_of(
              f.header.entries.begin(), f.header.entries.end(),
              [&](const SafetensorsEntry& s) { return s.name == name; });
          if (!present) {
            throw Error(path + ": the index maps tensor " + internal::quoted(name) + " to shard " +
                        internal::quoted(shard) + ", which does not hold it");
          }
        }
      }
    }
    index_entries();
  }
  std::string_view kind() const override { return "sharded-safetensors"; }
  TensorData read(std::size_t i) const override {
    const CheckpointEntry& e = entries_.at(i);
    CheckReadableKind(e);
    CheckLimit(e, limits_, Prefix(e));
    const auto& [file, s] = where_[i];
    return MapOrRead(e, files_[file]->fd, files_[file]->header.data_start + s->begin);
  }

 private:
  ReadLimits limits_;
  std::vector<std::unique_ptr<StFile>> files_;
  std::vector<std::pair<std::size_t, const SafetensorsEntry*>> where_;
};

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string_view element_kind_name(ElementKind k) {
  switch (k) {
    case ElementKind::kFloat:
      return "float";
    case ElementKind::kSignedInt:
      return "int";
    case ElementKind::kUnsignedInt:
      return "uint";
    case ElementKind::kBool:
      return "bool";
    case ElementKind::kUnsupported:
      return "unsupported";
  }
  return "?";
}

TensorData::TensorData(const CheckpointEntry& entry, const std::byte* data,
                       std::shared_ptr<const void> owner, bool mapped)
    : kind_(entry.kind),
      element_bytes_(entry.element_bytes),
      dtype_(entry.dtype),
      shape_(entry.shape),
      data_(data),
      owner_(std::move(owner)),
      mapped_(mapped) {}

TensorView TensorData::view() const {
  if (!dtype_) {
    throw Error(std::string("a ") + std::string(element_kind_name(kind_)) +
                " tensor has no float view");
  }
  return {*dtype_, shape_, data_};
}

std::optional<std::size_t> Checkpoint::find(std::string_view name) const {
  const auto it = std::lower_bound(
      by_name_.begin(), by_name_.end(), name,
      [](const std::pair<std::string_view, std::size_t>& a, std::string_view n) {
        return a.first < n;
      });
  if (it == by_name_.end() || it->first != name) return std::nullopt;
  return it->second;
}

void Checkpoint::index_entries() {
  by_name_.clear();
  by_name_.reserve(entries_.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) by_name_.emplace_back(entries_[i].name, i);
  std::sort(by_name_.begin(), by_name_.end());
  for (std::size_t i = 1; i < by_name_.size(); ++i) {
    if (by_name_[i].first == by_name_[i - 1].first) {
      throw Error(path_ + ": tensor " + internal::quoted(by_name_[i].first) + " appears twice");
    }
  }
}

CheckpointEntry float_entry(std::string name, DType dtype, Shape shape) {
  CheckpointEntry e;
  e.name = std::move(name);
  e.dtype_name = std::string(dtype_name(dtype));
  e.dtype = dtype;
  e.kind = ElementKind::kFloat;
  e.element_bytes = static_cast<int>(dtype_size(dtype));
  e.shape = std::move(shape);
  return e;
}

MemoryCheckpoint::MemoryCheckpoint(std::string label, std::vector<MemoryTensor> tensors)
    : Checkpoint(std::move(label)) {
  entries_.reserve(tensors.size());
  data_.reserve(tensors.size());
  for (MemoryTensor& t : tensors) {
    CheckpointEntry& e = t.entry;
    e.file = path();
    if (e.kind != ElementKind::kUnsupported) CheckReadableKind(e);
    if (e.dtype && (e.kind != ElementKind::kFloat ||
                    e.element_bytes != static_cast<int>(dtype_size(*e.dtype)))) {
      throw Error(Prefix(e) + "entry of dtype " + e.dtype_name + " does not describe " +
                  std::string(dtype_name(*e.dtype)) + " elements");
    }
    if (t.data == nullptr && e.numel() > 0) throw Error(Prefix(e) + "tensor has no data pointer");
    entries_.push_back(std::move(e));
    data_.push_back(t.data);
  }
  index_entries();
}

TensorData MemoryCheckpoint::read(std::size_t i) const {
  const CheckpointEntry& e = entries_.at(i);
  CheckReadableKind(e);
  return TensorData::borrowed(e, e.numel() == 0 ? nullptr : data_[i]);
}

std::string checkpoint_kind(const std::string& path) {
  std::string lower = path;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (EndsWith(lower, ".index.json")) return "sharded-safetensors";
  if (EndsWith(lower, ".npz")) return "npz";
  const std::size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::size_t dot = base.rfind('.');
  std::string ext = dot == std::string::npos ? "" : base.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "npy") return "npy";
  if (ext == "safetensors") return "safetensors";
  const char* valid =
      "; initcheck reads .npy, .safetensors, .npz and Hugging Face sharded indexes "
      "(*.safetensors.index.json)";
  if (ext.empty()) throw Error(path + ": no file extension to tell the format" + valid);
  throw Error(path + ": unknown tensor file extension '." + ext + "'" + valid);
}

std::unique_ptr<Checkpoint> Checkpoint::open(const std::string& path, const ReadLimits& limits) {
  const std::string kind = checkpoint_kind(path);
  if (kind == "npy") return std::make_unique<NpyCheckpoint>(path, limits);
  if (kind == "npz") return internal::open_npz(path, limits);
  if (kind == "sharded-safetensors") return std::make_unique<ShardedCheckpoint>(path, limits);
  return std::make_unique<SafetensorsCheckpoint>(path, limits);
}

}  // namespace initcheck
