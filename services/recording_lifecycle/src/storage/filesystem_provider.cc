#include "storage/filesystem_provider.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"
#include "storage/digest.h"
#include "storage/fs_errors.h"
#include "storage/object_key.h"

namespace shopcast::recording_lifecycle::storage {
namespace fs = std::filesystem;
namespace {

constexpr size_t kChunk = 1 << 20;

// Closes on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error (a delayed write error of NFS and friends shows here).
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

std::string RandomSuffix() {
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return absl::StrCat(absl::Hex(v, absl::kZeroPad16));
}

absl::Status WriteAll(int fd, const char* data, size_t size, absl::string_view name) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "write", name);
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

std::string ReadXattrSha(int fd) {
  char buf[80];
  ssize_t n = ::fgetxattr(fd, kSha256Xattr, buf, sizeof(buf));
  if (n != 64) return "";
  std::string v(buf, 64);
  return IsSha256Hex(v) ? absl::AsciiStrToLower(v) : "";
}

absl::Status InvalidRequest(absl::string_view field, absl::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, kReasonInvalidRequest, message, field);
}

}  // namespace

absl::StatusOr<CopyResult> CopyFileAtomically(const fs::path& source, const fs::path& destination,
                                              absl::string_view expected_sha256,
                                              bool sha256_xattr) {
  std::string name = destination.filename().string();
  int in_fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in_fd < 0) return ErrnoStatus(errno, "open", source.filename().string());
  Fd in(in_fd);

  fs::path dir = destination.parent_path();
  fs::path tmp = dir / absl::StrCat(".", name, ".tmp-", RandomSuffix());
  int out_fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out_fd < 0) return ErrnoStatus(errno, "create", name);
  Fd out(out_fd);
  // From here on, every failure removes the temporary file.
  auto fail = [&](absl::Status s) {
    ::unlink(tmp.c_str());
    return s;
  };

  Digest sha(Digest::Kind::kSha256);
  std::vector<char> buf(kChunk);
  int64_t total = 0;
  while (true) {
    ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ErrnoStatus(errno, "read", source.filename().string()));
    if (n == 0) break;
    sha.Update(buf.data(), static_cast<size_t>(n));
    if (absl::Status s = WriteAll(out.get(), buf.data(), static_cast<size_t>(n), name); !s.ok()) {
      return fail(s);
    }
    total += n;
  }
  std::string digest = HexLower(sha.Finish());
  if (!expected_sha256.empty() && !absl::EqualsIgnoreCase(digest, expected_sha256)) {
    return fail(Error(absl::StatusCode::kDataLoss, kReasonChecksumMismatch,
                      absl::StrCat("SHA-256 of ", name, " is ", digest, ", expected ",
                                   absl::AsciiStrToLower(expected_sha256))));
  }
  if (sha256_xattr) {
    // Best effort: without user xattrs the object simply has no recorded checksum.
    (void)::fsetxattr(out.get(), kSha256Xattr, digest.data(), digest.size(), 0);
  }
  if (::fsync(out.get()) != 0) return fail(ErrnoStatus(errno, "fsync", name));
  if (out.Close() != 0) return fail(ErrnoStatus(errno, "close", name));
  if (::rename(tmp.c_str(), destination.c_str()) != 0) {
    return fail(ErrnoStatus(errno, "rename", name));
  }
  RETURN_IF_ERROR(FsyncDir(dir));
  return CopyResult{std::move(digest), total};
}

FilesystemProvider::FilesystemProvider(std::string name, fs::path root, StorageMetrics* metrics)
    : name_(std::move(name)), root_(std::move(root)), metrics_(metrics) {}

absl::StatusOr<std::unique_ptr<FilesystemProvider>> FilesystemProvider::Open(
    std::string name, const fs::path& root, StorageMetrics* metrics) {
  std::error_code ec;
  fs::path canonical = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canonical, ec)) {
    return Error(absl::StatusCode::kFailedPrecondition, "STORAGE_ROOT_INVALID",
                 absl::StrCat("storage root ", root.string(), " is not an existing folder"));
  }
  return std::unique_ptr<FilesystemProvider>(
      new FilesystemProvider(std::move(name), std::move(canonical), metrics));
}

absl::Status FilesystemProvider::Record(absl::string_view op, absl::Status status) {
  if (metrics_ != nullptr) metrics_->Request(name_, op, status);
  return status;
}

absl::StatusOr<fs::path> FilesystemProvider::PathOf(absl::string_view key) const {
  RETURN_IF_ERROR(ValidateKey(key));
  return root_ / fs::path(std::string(key));
}

absl::Status FilesystemProvider::Put(absl::string_view key, const fs::path& source,
                                     absl::string_view sha256, const CallOptions&) {
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(fs::path path, PathOf(key));
    if (!IsSha256Hex(sha256)) return InvalidRequest("sha256", "sha256: 64 hex digits expected");
    // A concurrent Delete may prune a folder just made; try again a few times.
    absl::StatusOr<CopyResult> copied;
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::error_code ec;
      fs::create_directories(path.parent_path(), ec);
      if (ec)
        return ErrnoStatus(ec.value(), "create folder", path.parent_path().filename().string());
      copied = CopyFileAtomically(source, path, sha256, /*sha256_xattr=*/true);
      // Only a vanished folder is worth another try (a missing source is the caller's).
      if (copied.ok() || !absl::IsNotFound(copied.status()) || !fs::exists(source, ec)) {
        break;
      }
    }
    if (!copied.ok()) return copied.status();
    // New folders must survive a crash too: fsync each one's parent up to the root.
    for (fs::path dir = path.parent_path(); dir != root_ && dir.has_parent_path();
         dir = dir.parent_path()) {
      RETURN_IF_ERROR(FsyncDir(dir.parent_path()));
    }
    if (metrics_ != nullptr) metrics_->Bytes(name_, "in", copied->bytes);
    return absl::OkStatus();
  };
  return Record("put", run());
}

absl::Status FilesystemProvider::GetToFile(absl::string_view key, const fs::path& destination,
                                           const CallOptions&) {
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(fs::path path, PathOf(key));
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "open", key);
    Fd guard(fd);
    std::string recorded = ReadXattrSha(fd);
    ASSIGN_OR_RETURN(CopyResult copied,
                     CopyFileAtomically(absl::StrCat("/proc/self/fd/", fd), destination, recorded));
    if (metrics_ != nullptr) metrics_->Bytes(name_, "out", copied.bytes);
    return absl::OkStatus();
  };
  return Record("get", run());
}

absl::StatusOr<std::string> FilesystemProvider::GetRange(absl::string_view key, int64_t offset,
                                                         int64_t length, const CallOptions&) {
  std::string out;
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(fs::path path, PathOf(key));
    if (offset < 0 || length < 0) {
      return InvalidRequest("range", "range: offset and length must not be negative");
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "open", key);
    Fd guard(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, "stat", key);
    if (st.st_size > 0 && offset >= st.st_size) {
      return Error(absl::StatusCode::kOutOfRange, kReasonRange,
                   absl::StrCat("offset ", offset, " is past the end of ", key, " (", st.st_size,
                                " bytes)"));
    }
    int64_t want = std::min<int64_t>(length, std::max<int64_t>(0, st.st_size - offset));
    out.resize(static_cast<size_t>(want));
    int64_t got = 0;
    while (got < want) {
      ssize_t n = ::pread(fd, out.data() + got, static_cast<size_t>(want - got), offset + got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoStatus(errno, "read", key);
      if (n == 0) break;  // Truncated meanwhile.
      got += n;
    }
    out.resize(static_cast<size_t>(got));
    if (metrics_ != nullptr) metrics_->Bytes(name_, "out", got);
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(Record("get_range", run()));
  return out;
}

absl::StatusOr<ObjectInfo> FilesystemProvider::Stat(absl::string_view key, const CallOptions&) {
  ObjectInfo info;
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(fs::path path, PathOf(key));
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno == ELOOP ? ENOENT : errno, "open", key);
    Fd guard(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, "stat", key);
    if (!S_ISREG(st.st_mode)) return ErrnoStatus(ENOENT, "stat", key);
    info.key = std::string(key);
    info.size = st.st_size;
    info.sha256 = ReadXattrSha(fd);
    info.modified = absl::TimeFromTimespec(st.st_mtim);
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(Record("stat", run()));
  return info;
}

absl::Status FilesystemProvider::Delete(absl::string_view key, const CallOptions&) {
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(fs::path path, PathOf(key));
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return absl::OkStatus();
      return ErrnoStatus(errno, "unlink", key);
    }
    if (absl::Status synced = FsyncDir(path.parent_path()); !synced.ok()) {
      // A concurrent Delete of the folder's other last object pruned the folder between our
      // unlink and this fsync: the folder (and our entry with it) is gone, the delete done.
      if (!absl::IsNotFound(synced)) return synced;
      return absl::OkStatus();
    }
    // Prune folders the delete left empty (a deleted recording leaves nothing behind); a
    // folder that is not empty, or a concurrent Put's fresh one, stops it.
    for (fs::path dir = path.parent_path(); dir != root_ && dir.has_parent_path();
         dir = dir.parent_path()) {
      if (::rmdir(dir.c_str()) != 0) break;
    }
    return absl::OkStatus();
  };
  return Record("delete", run());
}

absl::StatusOr<ListPage> FilesystemProvider::List(absl::string_view prefix,
                                                  absl::string_view page_token, int max_keys,
                                                  const CallOptions&) {
  ListPage page;
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(ValidateKeyPrefix(prefix));
    if (max_keys < 1 || max_keys > 1000) {
      return InvalidRequest("max_keys", "max_keys: 1..1000");
    }
    if (!page_token.empty()) {
      if (!ValidateKey(page_token).ok() || !absl::StartsWith(page_token, prefix)) {
        return InvalidRequest("page_token", "page_token: not one this listing returned");
      }
    }
    // Walk only the deepest folder the prefix names.
    size_t slash = prefix.rfind('/');
    fs::path start =
        slash == absl::string_view::npos ? root_ : root_ / std::string(prefix.substr(0, slash));
    std::vector<ObjectInfo> found;
    std::error_code ec;
    if (!fs::is_directory(fs::symlink_status(start, ec))) return absl::OkStatus();
    fs::recursive_directory_iterator it(start, fs::directory_options::none, ec);
    if (ec) return ErrnoStatus(ec.value(), "list", prefix);
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) return ErrnoStatus(ec.value(), "list", prefix);
      const fs::directory_entry& entry = *it;
      std::string name = entry.path().filename().string();
      // Hidden and temporary names are never objects; symlinks are never followed.
      if (name.empty() || name.front() == '.') {
        if (entry.is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      fs::file_status st = entry.symlink_status(ec);
      if (ec || !fs::is_regular_file(st)) continue;
      std::string key = entry.path().lexically_relative(root_).string();
      if (!absl::StartsWith(key, prefix) || !ValidateKey(key).ok()) continue;
      if (!page_token.empty() && key <= page_token) continue;
      ObjectInfo info;
      info.key = std::move(key);
      info.size = static_cast<int64_t>(entry.file_size(ec));
      if (ec) continue;  // Deleted while listing.
      found.push_back(std::move(info));
    }
    std::sort(found.begin(), found.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    if (found.size() > static_cast<size_t>(max_keys)) {
      found.resize(static_cast<size_t>(max_keys));
      page.next_page_token = found.back().key;
    }
    page.objects = std::move(found);
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(Record("list", run()));
  return page;
}

absl::StatusOr<std::string> FilesystemProvider::PresignGet(absl::string_view key, absl::Duration) {
  RETURN_IF_ERROR(ValidateKey(key));
  return Error(absl::StatusCode::kUnimplemented, kReasonPresignUnsupported,
               absl::StrCat("the ", name_, " tier is served directly, not through URLs"));
}

}  // namespace shopcast::recording_lifecycle::storage
