#pragma once

// Removes rendition files that no committed row references: files left by an upload whose
// transaction failed or whose process died between writing and committing, and files of deleted
// images. Files are content-addressed and may be shared by several images, so "unreferenced" is
// decided by the database, never by the file.
//
// It must never remove a file a committed row references, even while an upload of the same
// picture commits concurrently. The protocol:
//   1. list candidates: rendition files older than the grace period (Sweep) or the named keys
//      (Collect), and ask which are referenced; keep those;
//   2. rename each remaining one to a unique trash name in its folder (atomic; of two collectors
//      only one wins a file, the other sees it gone);
//   3. ask again, now that the file is out of its place; delete the trashed files still
//      unreferenced, rename the others back.
// An upload's half (product_images): it calls RenditionStore::EnsureStored for each rendition
// after its row committed. If the commit came before step 3's question, the collector puts the
// file back; if after, the rename (step 2) came before the upload's check, which finds the file
// missing and writes it again. Either way the file is there once the upload answers. The grace
// period only spares in-flight uploads a needless rewrite.
//
// Crash recovery: a trash name carries the time it was made; a Sweep decides trash files older
// than the grace period the same way (referenced: back in place, else deleted), so a collector
// dying between 2 and 3 loses nothing. Temporary files of writes that died (".tmp-*") older than
// the grace period are deleted. No database, no gRPC: references come through an interface.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "images/rendition_store.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace shopcast::product_inventory::images {

// The database's view of which rendition files are in use.
class RenditionReferences {
 public:
  virtual ~RenditionReferences() = default;
  // The subset of `keys` ("<hash>.<ext>") that committed rows reference, read when called (a
  // fresh snapshot each call: step 3 must see commits made after step 2).
  virtual absl::StatusOr<absl::flat_hash_set<std::string>> Referenced(
      const std::vector<std::string>& keys) = 0;
};

struct CollectorOptions {
  // Files younger than this are left alone by Sweep (by their modification time).
  absl::Duration grace = absl::Hours(1);
  // Keys asked about in one question.
  int batch = 500;
  // The wall clock files' times are compared with; a test moves it.
  std::function<absl::Time()> now = absl::Now;
};

// What one Sweep or Collect did.
struct CollectStats {
  int64_t files_seen = 0;    // rendition files looked at (Sweep: all; Collect: the keys)
  int64_t candidates = 0;    // unreferenced (and old enough) at the first question
  int64_t deleted = 0;       // rendition and stale trash files deleted
  int64_t bytes_freed = 0;   // their sizes
  int64_t restored = 0;      // trashed, then referenced at the second question: put back
  int64_t lost_race = 0;     // gone when renamed: another collector had it
  int64_t temp_deleted = 0;  // stale ".tmp-*" files of writes that died
  int64_t errors = 0;        // file system or database errors (each logged)

  CollectStats& operator+=(const CollectStats& o);
};

class RenditionCollector {
 public:
  // `store` and `references` outlive the collector. `metrics` may be null; otherwise
  // product_inventory_image_gc_{files_deleted,bytes_freed,files_restored,errors}_total are
  // registered there and counted by every Sweep and Collect.
  RenditionCollector(const FileRenditionStore& store, RenditionReferences& references,
                     CollectorOptions options = {}, prometheus::Registry* metrics = nullptr);

  // One round over the whole store (steps 1-3 for files older than the grace period, stale
  // trash and temporary files). Safe to run on several replicas at once.
  CollectStats Sweep();

  // Steps 1-3 for `keys` now, without a grace period: DeleteProductImage after its commit.
  // Malformed keys are skipped.
  CollectStats Collect(const std::vector<std::string>& keys);

 private:
  struct Trashed {
    RenditionKey key;
    std::filesystem::path trash;
  };

  // Steps 1-3 for `keys` (all well-formed), batch by batch.
  void RemoveUnreferenced(const std::vector<RenditionKey>& keys, CollectStats& stats);
  // Step 3 for files already in the trash (this round's, or stale ones found by Sweep).
  void Decide(const std::vector<Trashed>& trashed, CollectStats& stats);
  std::filesystem::path TrashPathOf(const RenditionKey& key);
  void Count(const CollectStats& stats);

  const FileRenditionStore& store_;
  RenditionReferences& references_;
  const CollectorOptions options_;
  prometheus::Counter* deleted_ = nullptr;
  prometheus::Counter* bytes_freed_ = nullptr;
  prometheus::Counter* restored_ = nullptr;
  prometheus::Counter* errors_ = nullptr;
};

}  // namespace shopcast::product_inventory::images
