#pragma once

// Test doubles of the access-pass checkout's peers: video-ingest's LookupStreams holding
// streams in memory, recording-lifecycle's kept replays, and a product-inventory that a pass's saga
// must never call. Thread-safe; they count what was asked of them.

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "access/replays.h"
#include "access/streams.h"
#include "checkout/inventory.h"

namespace shopcast::order::testing {

class FakeStreams : public access::Streams {
 public:
  // A stream of `host` with `status`; gated at `price_minor` of `currency` when gated.
  void Put(const std::string& stream_id, const std::string& host, bool gated,
           int64_t price_minor = 499, const std::string& currency = "USD",
           common::v1::StreamStatus status = common::v1::STREAM_STATUS_LIVE);
  // Every Lookup answers UNAVAILABLE while down.
  void SetDown(bool down);
  int lookups() const;

  absl::StatusOr<video_ingest::v1::StreamRef> Lookup(const std::string& stream_id) override;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, video_ingest::v1::StreamRef> streams_ ABSL_GUARDED_BY(mu_);
  bool down_ ABSL_GUARDED_BY(mu_) = false;
  int lookups_ ABSL_GUARDED_BY(mu_) = 0;
};

// recording-lifecycle's answer to "is this ended show's replay kept", scripted.
class FakeReplays : public access::Replays {
 public:
  void SetKept(const std::string& stream_id, bool kept);
  // Every Kept answers UNAVAILABLE while down.
  void SetDown(bool down);
  int asks() const;

  absl::StatusOr<bool> Kept(const std::string& stream_id) override;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, bool> kept_ ABSL_GUARDED_BY(mu_);
  bool down_ ABSL_GUARDED_BY(mu_) = false;
  int asks_ ABSL_GUARDED_BY(mu_) = 0;
};

// product-inventory as a pass's saga must see it: never. Every call is counted and refused.
class UntouchedInventory : public checkout::Inventory {
 public:
  int calls() const;

  absl::StatusOr<product_inventory::v1::GetReservationForCheckoutResponse> GetForCheckout(
      const std::string& reservation_id, const std::string& buyer_id) override;
  absl::StatusOr<product_inventory::v1::Reservation> Lock(const std::string& reservation_id,
                                                          const std::string& order_id,
                                                          absl::Duration lock_duration) override;
  absl::StatusOr<product_inventory::v1::Reservation> Commit(const std::string& reservation_id,
                                                            const std::string& order_id) override;
  absl::Status Release(const std::string& reservation_id, const std::string& order_id,
                       const std::string& reason) override;
  absl::Status ReturnCommittedStock(const std::string& reservation_id,
                                    const std::string& order_id) override;

 private:
  absl::Status Called();
  mutable absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace shopcast::order::testing
