#pragma once

// Streaming SHA-256 and MD5 (OpenSSL EVP) and the encodings S3 wants them in.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct evp_md_ctx_st;

namespace shopcast::recording_lifecycle::storage {

class Digest {
 public:
  enum class Kind { kSha256, kMd5 };
  explicit Digest(Kind kind);
  ~Digest();
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;

  void Update(const void* data, size_t size);
  void Update(absl::string_view bytes) { Update(bytes.data(), bytes.size()); }
  // The raw digest; the object is reset for reuse afterwards.
  std::string Finish();

 private:
  Kind kind_;
  evp_md_ctx_st* ctx_;
};

std::string HexLower(absl::string_view bytes);
std::string Base64(absl::string_view bytes);

// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(absl::string_view bytes);

// True for exactly 64 lower- or upper-case hex digits.
bool IsSha256Hex(absl::string_view text);

// Lower-case hex SHA-256 of a whole local file; INTERNAL/STORAGE_IO_ERROR (NOT_FOUND/
// OBJECT_NOT_FOUND for a missing file) on a read error.
absl::StatusOr<std::string> Sha256OfFile(const std::filesystem::path& path);

}  // namespace shopcast::recording_lifecycle::storage
