#pragma once

// video-ingest's EventSink (internal listener only): the order service's relay delivers access
// pass events here — order.access_pass_granted and order.access_pass_revoked, aggregate the
// stream — and order's and product-inventory's relays deliver what players should see in the
// live playlist (stream markers: a sale, a pin, a flash sale, an auction closed; markers.h).
// Each event is applied once: its id is marked in the inbox (events::MarkProcessed) in the
// transaction that records the pass or stores the marker (stream_markers, which notifies the
// replica holding the stream), so a redelivery is accepted and changes nothing. Other event
// types are accepted and ignored; a payload that cannot be read is logged and dropped
// (redelivering it cannot fix it).

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/db/pool.h"
#include "shopcast/server/executor.h"

namespace shopcast::video_ingest::streams {

// The only source whose pass events count.
inline constexpr char kOrderSource[] = "order";
inline constexpr char kAccessPassGranted[] = "order.access_pass_granted";
inline constexpr char kAccessPassRevoked[] = "order.access_pass_revoked";

class PassEventSink final : public common::v1::EventSink::CallbackService {
 public:
  // Metrics (ingest_markers_received_total, ingest_marker_events_invalid_total) go to
  // `registry` when given.
  PassEventSink(db::Pool& pool, server::Executor& executor,
                std::function<absl::Time()> clock = absl::Now,
                prometheus::Registry* registry = nullptr);

  grpc::ServerUnaryReactor* DeliverEvents(grpc::CallbackServerContext* ctx,
                                          const common::v1::DeliverEventsRequest* request,
                                          common::v1::DeliverEventsResponse* response) override;

  // The delivery itself (what the RPC runs on the executor); public for tests.
  absl::Status Deliver(const common::v1::DeliverEventsRequest& request,
                       common::v1::DeliverEventsResponse& response);

 private:
  db::Pool& pool_;
  server::Executor& executor_;
  std::function<absl::Time()> clock_;
  prometheus::Family<prometheus::Counter>* markers_received_ = nullptr;
  prometheus::Counter* markers_invalid_ = nullptr;
};

}  // namespace shopcast::video_ingest::streams
