#include "fake_streams.h"

#include "shopcast/status/status.h"

namespace shopcast::order::testing {

void FakeStreams::Put(const std::string& stream_id, const std::string& host, bool gated,
                      int64_t price_minor, const std::string& currency,
                      common::v1::StreamStatus status) {
  video_ingest::v1::StreamRef ref;
  ref.set_stream_id(stream_id);
  ref.set_host_id(host);
  ref.set_status(status);
  ref.set_gated(gated);
  ref.mutable_access_price()->set_amount_minor(price_minor);
  ref.mutable_access_price()->set_currency(currency);
  absl::MutexLock lock(&mu_);
  streams_[stream_id] = ref;
}

void FakeStreams::SetDown(bool down) {
  absl::MutexLock lock(&mu_);
  down_ = down;
}

int FakeStreams::lookups() const {
  absl::MutexLock lock(&mu_);
  return lookups_;
}

absl::StatusOr<video_ingest::v1::StreamRef> FakeStreams::Lookup(const std::string& stream_id) {
  absl::MutexLock lock(&mu_);
  ++lookups_;
  if (down_) return absl::UnavailableError("video-ingest is down");
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return NotFound("STREAM_NOT_FOUND", "no such stream");
  return it->second;
}

void FakeReplays::SetKept(const std::string& stream_id, bool kept) {
  absl::MutexLock lock(&mu_);
  kept_[stream_id] = kept;
}

void FakeReplays::SetDown(bool down) {
  absl::MutexLock lock(&mu_);
  down_ = down;
}

int FakeReplays::asks() const {
  absl::MutexLock lock(&mu_);
  return asks_;
}

absl::StatusOr<bool> FakeReplays::Kept(const std::string& stream_id) {
  absl::MutexLock lock(&mu_);
  ++asks_;
  if (down_) return absl::UnavailableError("recording-lifecycle is down");
  auto it = kept_.find(stream_id);
  return it != kept_.end() && it->second;
}

int UntouchedInventory::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

absl::Status UntouchedInventory::Called() {
  absl::MutexLock lock(&mu_);
  ++calls_;
  return absl::InternalError("an access pass must not reach product-inventory");
}

absl::StatusOr<product_inventory::v1::GetReservationForCheckoutResponse>
UntouchedInventory::GetForCheckout(const std::string&, const std::string&) {
  return Called();
}
absl::StatusOr<product_inventory::v1::Reservation> UntouchedInventory::Lock(const std::string&,
                                                                            const std::string&,
                                                                            absl::Duration) {
  return Called();
}
absl::StatusOr<product_inventory::v1::Reservation> UntouchedInventory::Commit(const std::string&,
                                                                              const std::string&) {
  return Called();
}
absl::Status UntouchedInventory::Release(const std::string&, const std::string&,
                                         const std::string&) {
  return Called();
}

absl::Status UntouchedInventory::ReturnCommittedStock(const std::string&, const std::string&) {
  return Called();
}

}  // namespace shopcast::order::testing
