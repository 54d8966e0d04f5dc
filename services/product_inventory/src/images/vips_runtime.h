#pragma once

// libvips is process-wide state (its type system, thread pool, operation cache and loader
// registry), so it is started once per process here rather than owned by an object.

#include "absl/status/status.h"

namespace shopcast::product_inventory::images {

struct VipsSettings {
  // Worker threads libvips may use for one image; small so several uploads at once cannot take
  // every core of the host.
  int threads_per_image = 1;
};

// Starts libvips on the first call (later calls return the first call's result and ignore their
// settings): operation cache off (uploads are never seen twice, and a cache only pins memory),
// only the JPEG, PNG and WebP loaders enabled and loaders marked untrusted blocked, so no other
// parser is reachable from uploaded bytes. Thread-safe.
absl::Status StartVips(const VipsSettings& settings = {});

}  // namespace shopcast::product_inventory::images
