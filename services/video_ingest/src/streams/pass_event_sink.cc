#include "streams/pass_event_sink.h"

#include "shopcast/db/transaction.h"
#include "shopcast/events/inbox.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"
#include "streams/markers.h"
#include "streams/proto_time.h"
#include "streams/store/marker_store.h"
#include "streams/store/pass_store.h"

namespace shopcast::video_ingest::streams {
namespace {

constexpr int kMaxEventsPerCall = 100;  // the contract's limit
constexpr size_t kMaxIdBytes = 64;

bool PlainId(const std::string& id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// The pass an event describes, or nullopt when its payload is not a usable one.
template <typename Payload>
std::optional<PassChange> PassOf(const common::v1::Event& event, absl::Time now) {
  Payload p;
  if (!event.payload().UnpackTo(&p)) return std::nullopt;
  if (!ids::IsValidId(p.stream_id(), "str") || !PlainId(p.viewer_id()) || !PlainId(p.order_id())) {
    return std::nullopt;
  }
  PassChange c{p.order_id(), p.stream_id(), p.viewer_id(), now};
  if constexpr (std::is_same_v<Payload, order::v1::AccessPassGranted>) {
    if (p.has_granted_at()) c.at = FromProto(p.granted_at());
  } else {
    if (p.has_revoked_at()) c.at = FromProto(p.revoked_at());
  }
  return c;
}

}  // namespace

PassEventSink::PassEventSink(db::Pool& pool, server::Executor& executor,
                             std::function<absl::Time()> clock, prometheus::Registry* registry)
    : pool_(pool), executor_(executor), clock_(std::move(clock)) {
  if (registry != nullptr) {
    markers_received_ = &prometheus::BuildCounter()
                             .Name("ingest_markers_received_total")
                             .Help("Stream markers (live timed metadata) stored, by kind")
                             .Register(*registry);
    markers_invalid_ = &prometheus::BuildCounter()
                            .Name("ingest_marker_events_invalid_total")
                            .Help("Marker events dropped because their payload was unusable")
                            .Register(*registry)
                            .Add({});
  }
}

grpc::ServerUnaryReactor* PassEventSink::DeliverEvents(
    grpc::CallbackServerContext* ctx, const common::v1::DeliverEventsRequest* request,
    common::v1::DeliverEventsResponse* response) {
  if (request->events_size() < 1 || request->events_size() > kMaxEventsPerCall) {
    return server::FinishNow(ctx, InvalidArgument("events", "EVENT_COUNT_OUT_OF_RANGE",
                                                  "send 1 to 100 events per call"));
  }
  return server::RunBlocking(ctx, executor_,
                             [this, request, response] { return Deliver(*request, *response); });
}

absl::Status PassEventSink::Deliver(const common::v1::DeliverEventsRequest& request,
                                    common::v1::DeliverEventsResponse& response) {
  for (const common::v1::Event& event : request.events()) {
    if (event.id().empty() || event.id().size() > kMaxIdBytes) {
      return InvalidArgument("events.id", "EVENT_ID_INVALID", "every event needs a 1..64 byte id");
    }
    // Passes are the order service's word alone: any other internal peer's pass event is
    // acknowledged and ignored (logged), so a misrouted relay cannot grant access.
    const bool pass_type = event.type() == kAccessPassGranted || event.type() == kAccessPassRevoked;
    const bool from_order = event.source() == kOrderSource;
    if (pass_type && !from_order) {
      log::Warn("pass_event_wrong_source").Kv("event_id", event.id()).Kv("source", event.source());
    }
    const bool granted = from_order && event.type() == kAccessPassGranted;
    const bool revoked = from_order && event.type() == kAccessPassRevoked;
    const absl::Time now = clock_();
    std::optional<PassChange> pass;
    if (granted) pass = PassOf<order::v1::AccessPassGranted>(event, now);
    if (revoked) pass = PassOf<order::v1::AccessPassRevoked>(event, now);
    if ((granted || revoked) && !pass) {
      log::Error("event_payload_invalid").Kv("event_id", event.id()).Kv("type", event.type());
    }
    std::optional<Marker> marker;
    if (!pass_type) {
      absl::StatusOr<std::optional<Marker>> parsed = MarkerOf(event);
      if (parsed.ok()) {
        marker = *std::move(parsed);
      } else {
        log::Error("event_payload_invalid")
            .Kv("event_id", event.id())
            .Kv("type", event.type())
            .Kv("detail", std::string(parsed.status().message()));
        if (markers_invalid_ != nullptr) markers_invalid_->Increment();
      }
    }
    bool marker_stored = false;
    absl::Status applied = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
      marker_stored = false;
      ASSIGN_OR_RETURN(bool first, events::MarkProcessed(tx, event.id()));
      if (!first) return absl::OkStatus();
      if (marker) marker_stored = InsertMarker(tx, *marker, now);
      if (!pass) return absl::OkStatus();
      if (granted) {
        GrantPass(tx, *pass, now);
      } else {
        RevokePass(tx, *pass, now);
      }
      return absl::OkStatus();
    });
    if (!applied.ok()) {
      // What was applied stays accepted; the rest comes again.
      if (response.accepted_ids_size() > 0) return absl::OkStatus();
      return applied;
    }
    if (pass) {
      log::Info(granted ? "access_pass_granted" : "access_pass_revoked")
          .Kv("event_id", event.id())
          .Kv("order_id", pass->order_id)
          .Kv("stream_id", pass->stream_id)
          .Kv("viewer_id", pass->viewer_id);
    }
    if (marker_stored) {
      log::Info("stream_marker_stored")
          .Kv("event_id", event.id())
          .Kv("marker_id", marker->marker_id)
          .Kv("stream_id", marker->stream_id)
          .Kv("kind", marker->kind);
      if (markers_received_ != nullptr)
        markers_received_->Add({{"kind", marker->kind}}).Increment();
    }
    response.add_accepted_ids(event.id());
  }
  return absl::OkStatus();
}

}  // namespace shopcast::video_ingest::streams
