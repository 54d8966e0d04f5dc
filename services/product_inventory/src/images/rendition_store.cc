#include "images/rendition_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "images/content_hash.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::images {
namespace {

constexpr size_t kHashLength = 64;

// Disk trouble is the environment's, not the caller's: UNAVAILABLE so the RPC may be retried.
// The path is ours (root + hash), never user text.
absl::Status StorageError(absl::string_view what, const std::filesystem::path& path, int err) {
  return Error(absl::StatusCode::kUnavailable, "STORAGE_FAILURE",
               absl::StrCat(what, " ", path.string(), ": ", std::strerror(err)));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now so the caller sees close() errors (deferred write-back failures surface here).
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

absl::Status SyncDirectory(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return StorageError("open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return StorageError("fsync directory", dir, errno);
  return absl::OkStatus();
}

absl::Status WriteAll(int fd, absl::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return StorageError("write", path, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string RenditionKey::ToString() const {
  return absl::StrCat(sha256, ".", FileExtension(format));
}

absl::StatusOr<RenditionKey> ParseRenditionKey(absl::string_view key) {
  const absl::Status invalid = InvalidArgument("key", "IMAGE_KEY_INVALID", "not an image key");
  if (key.size() <= kHashLength + 1 || key[kHashLength] != '.') return invalid;
  absl::string_view hash = key.substr(0, kHashLength);
  absl::string_view ext = key.substr(kHashLength + 1);
  if (!IsLowerHex(hash)) return invalid;
  for (OutputFormat f : {OutputFormat::kWebp, OutputFormat::kJpeg}) {
    if (ext == FileExtension(f)) return RenditionKey{std::string(hash), f};
  }
  return invalid;
}

absl::StatusOr<std::unique_ptr<FileRenditionStore>> FileRenditionStore::Open(
    std::filesystem::path root) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) return StorageError("create", root, ec.value());
  return std::unique_ptr<FileRenditionStore>(new FileRenditionStore(std::move(root)));
}

std::filesystem::path FileRenditionStore::PathOf(const RenditionKey& key) const {
  return root_ / key.sha256.substr(0, 2) / key.ToString();
}

absl::StatusOr<RenditionKey> FileRenditionStore::Put(absl::string_view bytes, OutputFormat format) {
  RenditionKey key{Sha256Hex(bytes), format};
  RETURN_IF_ERROR(Store(key, bytes).status());
  return key;
}

absl::StatusOr<bool> FileRenditionStore::EnsureStored(absl::string_view bytes,
                                                      OutputFormat format) {
  return Store(RenditionKey{Sha256Hex(bytes), format}, bytes);
}

absl::StatusOr<bool> FileRenditionStore::Store(const RenditionKey& key, absl::string_view bytes) {
  const std::filesystem::path path = PathOf(key);
  const std::filesystem::path dir = path.parent_path();
  struct stat st;
  // Same name, same bytes: whoever wrote it first already made it durable.
  if (::stat(path.c_str(), &st) == 0) return false;

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return StorageError("create", dir, ec.value());
  // Dot-prefixed so a listing or a reader never mistakes it for a rendition.
  std::string tmp = (dir / ".tmp-XXXXXX").string();
  Fd fd(::mkstemp(tmp.data()));
  if (fd.get() < 0) return StorageError("create", dir, errno);
  auto fail = [&](absl::Status s) {
    ::unlink(tmp.c_str());
    return s;
  };
  if (::fchmod(fd.get(), 0644) != 0) return fail(StorageError("chmod", tmp, errno));
  if (absl::Status s = WriteAll(fd.get(), bytes, tmp); !s.ok()) return fail(s);
  if (::fsync(fd.get()) != 0) return fail(StorageError("fsync", tmp, errno));
  if (fd.Close() != 0) return fail(StorageError("close", tmp, errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(StorageError("rename", path, errno));
  RETURN_IF_ERROR(SyncDirectory(dir));
  return true;
}

absl::StatusOr<std::string> FileRenditionStore::Get(const RenditionKey& key) const {
  const std::filesystem::path path = PathOf(key);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return NotFound("IMAGE_NOT_FOUND", "no such image");
    return StorageError("open", path, errno);
  }
  std::string bytes;
  char buf[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return StorageError("read", path, errno);
    }
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  // Cheap next to sending the bytes, and it stops a damaged file from being cached forever.
  if (Sha256Hex(bytes) != key.sha256) {
    return Error(absl::StatusCode::kDataLoss, "IMAGE_DAMAGED", "the stored image is damaged");
  }
  return bytes;
}

}  // namespace shopcast::product_inventory::images
