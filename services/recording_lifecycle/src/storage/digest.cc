#include "storage/digest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "storage/fs_errors.h"

namespace shopcast::recording_lifecycle::storage {
namespace {

const EVP_MD* Md(Digest::Kind kind) {
  return kind == Digest::Kind::kSha256 ? EVP_sha256() : EVP_md5();
}

}  // namespace

Digest::Digest(Kind kind) : kind_(kind), ctx_(EVP_MD_CTX_new()) {
  // Out of memory or a broken OpenSSL: nothing sensible to continue with.
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, Md(kind_), nullptr) != 1) std::abort();
}

Digest::~Digest() {
  if (ctx_ != nullptr) EVP_MD_CTX_free(ctx_);
}

Digest::Digest(Digest&& other) noexcept : kind_(other.kind_), ctx_(other.ctx_) {
  other.ctx_ = nullptr;
}

Digest& Digest::operator=(Digest&& other) noexcept {
  if (this != &other) {
    if (ctx_ != nullptr) EVP_MD_CTX_free(ctx_);
    kind_ = other.kind_;
    ctx_ = other.ctx_;
    other.ctx_ = nullptr;
  }
  return *this;
}

void Digest::Update(const void* data, size_t size) {
  if (EVP_DigestUpdate(ctx_, data, size) != 1) std::abort();
}

std::string Digest::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx_, out, &n) != 1 || EVP_DigestInit_ex(ctx_, Md(kind_), nullptr) != 1) {
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::string HexLower(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

std::string Base64(absl::string_view bytes) { return absl::Base64Escape(bytes); }

std::string Sha256Hex(absl::string_view bytes) {
  Digest d(Digest::Kind::kSha256);
  d.Update(bytes);
  return HexLower(d.Finish());
}

bool IsSha256Hex(absl::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::StatusOr<std::string> Sha256OfFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open", path.filename().string());
  Digest d(Digest::Kind::kSha256);
  std::vector<char> buf(1 << 20);
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus(err, "read", path.filename().string());
    }
    if (n == 0) break;
    d.Update(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return HexLower(d.Finish());
}

}  // namespace shopcast::recording_lifecycle::storage
