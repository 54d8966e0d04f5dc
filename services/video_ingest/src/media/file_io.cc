#include "media/file_io.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>  // renameat2
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

absl::Status StorageError(absl::string_view what, const std::filesystem::path& path, int err) {
  return Error(absl::StatusCode::kDataLoss, "STORAGE_FAILURE",
               absl::StrCat(what, " ", path.string(), ": ", std::strerror(err)));
}

// Closes a file descriptor when it goes out of scope.
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
  Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return StorageError("open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return StorageError("fsync directory", dir, errno);
  return absl::OkStatus();
}

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

}  // namespace

StreamingDigest::StreamingDigest() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

StreamingDigest::~StreamingDigest() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void StreamingDigest::Update(std::span<const uint8_t> bytes) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size());
  size_ += static_cast<int64_t>(bytes.size());
}

FileDigest StreamingDigest::Finish() {
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md;
  unsigned int md_len = 0;
  EVP_DigestFinal_ex(ctx, md.data(), &md_len);
  FileDigest digest;
  digest.size_bytes = size_;
  digest.sha256 = Hex(md.data(), md_len);
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  size_ = 0;
  return digest;
}

absl::Status SyncFileAndDirectory(int fd, const std::filesystem::path& path) {
  if (::fsync(fd) != 0) return StorageError("fsync", path, errno);
  return SyncDirectory(path.parent_path());
}

absl::StatusOr<FileDigest> SyncAndDigest(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return StorageError("open", path, errno);
  if (::fsync(fd.get()) != 0) return StorageError("fsync", path, errno);

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (ctx == nullptr || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Error(absl::StatusCode::kDataLoss, "STORAGE_FAILURE", "cannot initialise SHA-256");
  }
  FileDigest digest;
  std::array<unsigned char, 64 * 1024> buf;
  while (true) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return StorageError("read", path, errno);
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
    digest.size_bytes += n;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> md;
  unsigned int md_len = 0;
  EVP_DigestFinal_ex(ctx.get(), md.data(), &md_len);
  digest.sha256 = Hex(md.data(), md_len);
  RETURN_IF_ERROR(SyncDirectory(path.parent_path()));
  return digest;
}

absl::Status WriteFileAtomically(const std::filesystem::path& path, std::string_view content,
                                 bool durable) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    // The spare left by the last write (below) is overwritten in place and cut to length:
    // a playlist's versions differ by a few bytes, and truncating to zero first (O_TRUNC)
    // cost five times the write (ext4 frees and reallocates the blocks).
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    if (fd.get() < 0) return StorageError("create", tmp, errno);
    size_t done = 0;
    while (done < content.size()) {
      ssize_t n = ::pwrite(fd.get(), content.data() + done, content.size() - done,
                           static_cast<off_t>(done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return StorageError("write", tmp, errno);
      }
      done += static_cast<size_t>(n);
    }
    if (::ftruncate(fd.get(), static_cast<off_t>(content.size())) != 0) {
      return StorageError("truncate", tmp, errno);
    }
    if (durable && ::fsync(fd.get()) != 0) return StorageError("fsync", tmp, errno);
    if (fd.Close() != 0) return StorageError("close", tmp, errno);
  }
  if (!durable) {
    // Swapping the names instead of renaming over `path` (then dropping the old file): ext4
    // flushes a file renamed over another at once (auto_da_alloc, its answer to applications
    // that do not fsync), which for a playlist rewritten per part meant a disk write of every
    // version and a discard when the next one replaced it; swapped, a short-lived version
    // never reaches the disk. The first write (nothing to swap with) and file systems without
    // RENAME_EXCHANGE take the rename.
    //
    // The version swapped out stays at `tmp` as the next write's spare (rewritten in place
    // above): two inodes take turns instead of one created and one deleted per write. Creating
    // files was most of a playlist write's cost (ext4 without a journal skips every inode
    // freed in the last minutes when it allocates one: `recently_deleted`, so each delete made
    // every later create in the file system dearer, segment files included). Readers still see
    // a whole version: one that keeps a playlist open across the next rewrite (a playlist is
    // read at once; writes come a part or a segment apart) would read that rewrite's bytes.
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
      return absl::OkStatus();
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return StorageError("rename", path, err);
  }
  return durable ? SyncDirectory(path.parent_path()) : absl::OkStatus();
}

}  // namespace shopcast::video_ingest::media
