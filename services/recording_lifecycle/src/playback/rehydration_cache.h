#pragma once

// Cold objects played through the VOD origin: fetched whole from the cold provider
// (StorageProvider::GetToFile: written under a temporary name, verified against the SHA-256
// recorded at Put, renamed) into a folder on local disk, then served from there like a hot
// file (ranges, HEAD, ETags). The folder is bounded: past `max_bytes` the least recently used
// files are removed (a file being sent stays readable through its open descriptor). One fetch
// per object at a time: concurrent requests for the same cold segment wait for the first.
//
// Why not redirect players to a presigned URL: the cold store's endpoint is internal (players
// reach only the gateway), a cross-origin redirect needs the bucket's CORS, and the redirect
// would bypass our token's expiry and the gateway's caching. Streaming through costs one
// fetch per object per cache lifetime; a player only sees a slower first byte.

#include <cstdint>
#include <filesystem>
#include <list>
#include <map>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/storage_provider.h"

namespace shopcast::recording_lifecycle::playback {

class RehydrationCache {
 public:
  // `dir` is created if missing and emptied (nothing in it is trusted across restarts).
  static absl::StatusOr<std::unique_ptr<RehydrationCache>> Open(std::filesystem::path dir,
                                                                uint64_t max_bytes,
                                                                absl::Duration fetch_timeout);

  // The file name (in dir()) holding `key`'s bytes, fetched from `provider` if not cached.
  // Errors are the provider's (NOT_FOUND/OBJECT_NOT_FOUND, UNAVAILABLE, DATA_LOSS, …). Blocks
  // for the fetch: call from a worker thread, never an I/O thread. `fetched` says whether this
  // call went to the provider.
  absl::StatusOr<std::string> Get(storage::StorageProvider& provider, const std::string& key,
                                  bool* fetched = nullptr);

  const std::filesystem::path& dir() const { return dir_; }
  uint64_t bytes() const;
  size_t files() const;

 private:
  RehydrationCache(std::filesystem::path dir, uint64_t max_bytes, absl::Duration fetch_timeout)
      : dir_(std::move(dir)), max_bytes_(max_bytes), fetch_timeout_(fetch_timeout) {}
  void Touch(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EvictLocked(const std::string& keep) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  struct Entry {
    uint64_t size = 0;
    std::list<std::string>::iterator lru;
  };

  const std::filesystem::path dir_;
  const uint64_t max_bytes_;
  const absl::Duration fetch_timeout_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);  // front = most recent
  std::set<std::string> fetching_ ABSL_GUARDED_BY(mu_);
  uint64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

// The cache file name of an object key: its "/" become "!" (keys never hold "!").
std::string CacheFileName(const std::string& key);

}  // namespace shopcast::recording_lifecycle::playback
