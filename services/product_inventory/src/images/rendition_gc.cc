#include "images/rendition_gc.h"

#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "shopcast/log/log.h"

namespace shopcast::product_inventory::images {
namespace {

constexpr absl::string_view kTrashPrefix = ".trash-";
constexpr absl::string_view kTempPrefix = ".tmp-";

// Disk trouble never stops a round: it is counted, logged with the path (ours: root + hash) and
// the file is left for the next round.
void LogFsError(absl::string_view op, const std::filesystem::path& path, int err) {
  log::Warn("image_gc_error")
      .Kv("op", op)
      .Kv("path", path.string())
      .Kv("error", std::strerror(err));
}

void LogDbError(absl::string_view step, const absl::Status& s) {
  log::Warn("image_gc_error")
      .Kv("op", step)
      .Kv("code", absl::StatusCodeToString(s.code()))
      .Kv("error", std::string(s.message()));
}

// The file's modification time; nullopt (errno set) when it cannot be read.
std::optional<absl::Time> ModifiedAt(const std::filesystem::path& path, int64_t* size) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  if (size != nullptr) *size = st.st_size;
  return absl::TimeFromTimespec(st.st_mtim);
}

// ".trash-<unix seconds>-<16 hex>-<key>": when it was trashed and what it was.
struct TrashName {
  absl::Time trashed_at;
  RenditionKey key;
};

std::optional<TrashName> ParseTrashName(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, kTrashPrefix)) return std::nullopt;
  std::vector<absl::string_view> parts = absl::StrSplit(name, absl::MaxSplits('-', 2));
  int64_t seconds = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &seconds)) return std::nullopt;
  absl::StatusOr<RenditionKey> key = ParseRenditionKey(parts[2]);
  if (!key.ok()) return std::nullopt;
  return TrashName{absl::FromUnixSeconds(seconds), *std::move(key)};
}

bool IsFanOutDir(absl::string_view name) {
  if (name.size() != 2) return false;
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

CollectStats& CollectStats::operator+=(const CollectStats& o) {
  files_seen += o.files_seen;
  candidates += o.candidates;
  deleted += o.deleted;
  bytes_freed += o.bytes_freed;
  restored += o.restored;
  lost_race += o.lost_race;
  temp_deleted += o.temp_deleted;
  errors += o.errors;
  return *this;
}

RenditionCollector::RenditionCollector(const FileRenditionStore& store,
                                       RenditionReferences& references, CollectorOptions options,
                                       prometheus::Registry* metrics)
    : store_(store), references_(references), options_(std::move(options)) {
  if (metrics == nullptr) return;
  deleted_ = &prometheus::BuildCounter()
                  .Name("product_inventory_image_gc_files_deleted_total")
                  .Help("Rendition files deleted because no row referenced them.")
                  .Register(*metrics)
                  .Add({});
  bytes_freed_ = &prometheus::BuildCounter()
                      .Name("product_inventory_image_gc_bytes_freed_total")
                      .Help("Bytes of the rendition files deleted.")
                      .Register(*metrics)
                      .Add({});
  restored_ = &prometheus::BuildCounter()
                   .Name("product_inventory_image_gc_files_restored_total")
                   .Help(
                       "Rendition files put back: referenced again between the collector's "
                       "two questions.")
                   .Register(*metrics)
                   .Add({});
  errors_ = &prometheus::BuildCounter()
                 .Name("product_inventory_image_gc_errors_total")
                 .Help("File system or database errors of the rendition collector.")
                 .Register(*metrics)
                 .Add({});
}

void RenditionCollector::Count(const CollectStats& stats) {
  if (deleted_ == nullptr) return;
  deleted_->Increment(static_cast<double>(stats.deleted + stats.temp_deleted));
  bytes_freed_->Increment(static_cast<double>(stats.bytes_freed));
  restored_->Increment(static_cast<double>(stats.restored));
  errors_->Increment(static_cast<double>(stats.errors));
}

std::filesystem::path RenditionCollector::TrashPathOf(const RenditionKey& key) {
  // Unique across replicas sharing the folder (so two collectors never share a trash name),
  // hence random rather than a pid or counter, which repeat across containers.
  unsigned char random[8];
  if (RAND_bytes(random, sizeof random) != 1) {
    // The CSPRNG failing is not an environment problem to handle: nothing could be trusted.
    log::Error("image_gc_random_failed");
    std::abort();
  }
  char hex[17];
  for (size_t i = 0; i < sizeof random; ++i) std::snprintf(hex + 2 * i, 3, "%02x", random[i]);
  return store_.PathOf(key).parent_path() / absl::StrCat(kTrashPrefix,
                                                         absl::ToUnixSeconds(options_.now()), "-",
                                                         hex, "-", key.ToString());
}

void RenditionCollector::RemoveUnreferenced(const std::vector<RenditionKey>& keys,
                                            CollectStats& stats) {
  const size_t batch = static_cast<size_t>(std::max(1, options_.batch));
  for (size_t at = 0; at < keys.size(); at += batch) {
    const size_t end = std::min(keys.size(), at + batch);
    std::vector<std::string> names;
    for (size_t i = at; i < end; ++i) names.push_back(keys[i].ToString());
    // Step 1: referenced files are never even moved.
    absl::StatusOr<absl::flat_hash_set<std::string>> referenced = references_.Referenced(names);
    if (!referenced.ok()) {
      ++stats.errors;
      LogDbError("list_references", referenced.status());
      continue;
    }
    // Step 2: out of place, atomically; a concurrent collector gets ENOENT for the same file.
    std::vector<Trashed> trashed;
    for (size_t i = at; i < end; ++i) {
      if (referenced->contains(names[i - at])) continue;
      ++stats.candidates;
      const std::filesystem::path path = store_.PathOf(keys[i]);
      std::filesystem::path trash = TrashPathOf(keys[i]);
      if (::rename(path.c_str(), trash.c_str()) == 0) {
        trashed.push_back(Trashed{keys[i], std::move(trash)});
      } else if (errno == ENOENT) {
        ++stats.lost_race;
      } else {
        ++stats.errors;
        LogFsError("trash", path, errno);
      }
    }
    // Step 3.
    Decide(trashed, stats);
  }
}

void RenditionCollector::Decide(const std::vector<Trashed>& trashed, CollectStats& stats) {
  if (trashed.empty()) return;
  std::vector<std::string> names;
  for (const Trashed& t : trashed) names.push_back(t.key.ToString());
  absl::StatusOr<absl::flat_hash_set<std::string>> referenced = references_.Referenced(names);
  if (!referenced.ok()) {
    ++stats.errors;
    LogDbError("recheck_references", referenced.status());
  }
  for (const Trashed& t : trashed) {
    // Without an answer, everything goes back: a file kept too long costs only disk.
    if (!referenced.ok() || referenced->contains(t.key.ToString())) {
      const std::filesystem::path path = store_.PathOf(t.key);
      // Over a copy an upload may have written meanwhile: the same bytes, so either is right.
      if (::rename(t.trash.c_str(), path.c_str()) == 0) {
        if (referenced.ok()) ++stats.restored;
      } else if (errno == ENOENT) {
        ++stats.lost_race;
      } else {
        ++stats.errors;
        LogFsError("restore", t.trash, errno);
      }
      continue;
    }
    int64_t size = 0;
    (void)ModifiedAt(t.trash, &size);
    if (::unlink(t.trash.c_str()) == 0) {
      ++stats.deleted;
      stats.bytes_freed += size;
    } else if (errno == ENOENT) {
      ++stats.lost_race;
    } else {
      ++stats.errors;
      LogFsError("delete", t.trash, errno);
    }
  }
}

CollectStats RenditionCollector::Collect(const std::vector<std::string>& keys) {
  CollectStats stats;
  std::vector<RenditionKey> parsed;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& k : keys) {
    absl::StatusOr<RenditionKey> key = ParseRenditionKey(k);
    if (!key.ok() || !seen.insert(k).second) continue;
    parsed.push_back(*std::move(key));
  }
  stats.files_seen = static_cast<int64_t>(parsed.size());
  RemoveUnreferenced(parsed, stats);
  Count(stats);
  return stats;
}

CollectStats RenditionCollector::Sweep() {
  CollectStats stats;
  const absl::Time cutoff = options_.now() - options_.grace;
  std::vector<RenditionKey> old;
  std::vector<Trashed> stale_trash;
  // Iterated with error codes: a listing error is counted, never thrown.
  std::error_code ec;
  std::filesystem::directory_iterator top(store_.root(), ec);
  for (; !ec && top != std::filesystem::directory_iterator(); top.increment(ec)) {
    const std::filesystem::directory_entry& dir = *top;
    const std::string dir_name = dir.path().filename().string();
    std::error_code dir_ec;
    if (!IsFanOutDir(dir_name) || !dir.is_directory(dir_ec)) continue;
    std::filesystem::directory_iterator files(dir.path(), dir_ec);
    for (; !dir_ec && files != std::filesystem::directory_iterator(); files.increment(dir_ec)) {
      const std::filesystem::directory_entry& file = *files;
      const std::string name = file.path().filename().string();
      std::optional<absl::Time> modified = ModifiedAt(file.path(), nullptr);
      // Gone since the listing (another collector), or not a regular file: not ours to touch.
      if (!modified.has_value()) continue;
      if (absl::StartsWith(name, kTempPrefix)) {
        // A write that died: never referenced (the name is not a key), and a live write
        // touches its file far more often than the grace period.
        if (*modified < cutoff && ::unlink(file.path().c_str()) == 0) ++stats.temp_deleted;
        continue;
      }
      if (std::optional<TrashName> trash = ParseTrashName(name); trash.has_value()) {
        // A collector died between steps 2 and 3 (a live one decides within a round).
        if (trash->trashed_at < cutoff && trash->key.sha256.substr(0, 2) == dir_name) {
          stale_trash.push_back(Trashed{std::move(trash->key), file.path()});
        }
        continue;
      }
      absl::StatusOr<RenditionKey> key = ParseRenditionKey(name);
      if (!key.ok() || key->sha256.substr(0, 2) != dir_name) continue;
      ++stats.files_seen;
      if (*modified < cutoff) old.push_back(*std::move(key));
    }
    if (dir_ec) {
      ++stats.errors;
      LogFsError("list", dir.path(), dir_ec.value());
    }
  }
  if (ec) {
    ++stats.errors;
    LogFsError("list", store_.root(), ec.value());
  }
  RemoveUnreferenced(old, stats);
  const size_t batch = static_cast<size_t>(std::max(1, options_.batch));
  for (size_t at = 0; at < stale_trash.size(); at += batch) {
    Decide(std::vector<Trashed>(stale_trash.begin() + at,
                                stale_trash.begin() + std::min(stale_trash.size(), at + batch)),
           stats);
  }
  Count(stats);
  return stats;
}

}  // namespace shopcast::product_inventory::images
