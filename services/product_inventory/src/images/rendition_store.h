#pragma once

// Where renditions live: outside the database, addressed by their content, so a key never
// changes meaning, a re-upload of the same picture costs nothing and a URL can be cached
// forever.

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "images/image_format.h"

namespace shopcast::product_inventory::images {

// A stored rendition's name: "<64 lower-case hex sha256>.<webp|jpg>".
struct RenditionKey {
  std::string sha256;
  OutputFormat format = OutputFormat::kWebp;

  std::string ToString() const;
};

// Parses a key strictly (exact length, lower-case hex, known extension), so a key taken from a
// URL can never name another file. INVALID_ARGUMENT/IMAGE_KEY_INVALID otherwise.
absl::StatusOr<RenditionKey> ParseRenditionKey(absl::string_view key);

class RenditionStore {
 public:
  virtual ~RenditionStore() = default;

  // Stores `bytes` under their content address and returns the key. Storing bytes already
  // there does nothing. Durable when it returns.
  virtual absl::StatusOr<RenditionKey> Put(absl::string_view bytes, OutputFormat format) = 0;

  // Put that also says whether the file had to be written (true) or was already there. An upload
  // calls it again after its row committed: a collector may have removed a file that no row
  // referenced yet, and the upload still holds the bytes to put it back.
  virtual absl::StatusOr<bool> EnsureStored(absl::string_view bytes, OutputFormat format) = 0;

  // The bytes stored under `key`: NOT_FOUND/IMAGE_NOT_FOUND if none, DATA_LOSS/IMAGE_DAMAGED if
  // they no longer hash to the key.
  virtual absl::StatusOr<std::string> Get(const RenditionKey& key) const = 0;
};

// Files under a root folder, fanned out by the hash's first two digits
// (<root>/ab/ab12….webp). Each is written to a temporary file, flushed, and renamed into place,
// so readers never see a partial file and concurrent writers of the same bytes both succeed.
class FileRenditionStore final : public RenditionStore {
 public:
  // Creates `root` if missing. UNAVAILABLE/STORAGE_FAILURE if it cannot be created.
  static absl::StatusOr<std::unique_ptr<FileRenditionStore>> Open(std::filesystem::path root);

  absl::StatusOr<RenditionKey> Put(absl::string_view bytes, OutputFormat format) override;
  absl::StatusOr<bool> EnsureStored(absl::string_view bytes, OutputFormat format) override;
  absl::StatusOr<std::string> Get(const RenditionKey& key) const override;

  std::filesystem::path PathOf(const RenditionKey& key) const;
  const std::filesystem::path& root() const { return root_; }

 private:
  explicit FileRenditionStore(std::filesystem::path root) : root_(std::move(root)) {}
  // Writes the file unless it exists; true when it wrote.
  absl::StatusOr<bool> Store(const RenditionKey& key, absl::string_view bytes);

  const std::filesystem::path root_;
};

}  // namespace shopcast::product_inventory::images
