#include "engagement/engagement_client.h"

#include <catch2/catch.hpp>
#include <chrono>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "shopcast/db/transaction.h"

namespace shopcast::realtime_push::testing {
namespace {

void Prepare(grpc::ClientContext& ctx, const std::string& token) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) Authorize(ctx, token);
}

Outcome Of(const grpc::Status& status, const grpc::ClientContext& ctx) {
  Outcome out{status, ""};
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto it = trailers.find("shopcast-error-reason");
  if (it != trailers.end()) out.reason.assign(it->second.data(), it->second.size());
  return out;
}

}  // namespace

Outcome SetReaction(pb::RealtimePushService::Stub& stub, const std::string& stream_id,
                    const std::string& session_id, pb::Reaction reaction, const std::string& token,
                    pb::SetReactionResponse* out) {
  pb::SetReactionRequest req;
  req.set_stream_id(stream_id);
  req.set_session_id(session_id);
  req.set_reaction(reaction);
  pb::SetReactionResponse res;
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  grpc::Status s = stub.SetReaction(&ctx, req, &res);
  if (out != nullptr) *out = res;
  return Of(s, ctx);
}

Outcome Join(pb::RealtimePushService::Stub& stub, const std::string& stream_id,
             const std::string& session_id, const std::string& token, pb::JoinRoomResponse* out) {
  pb::JoinRoomRequest req;
  req.set_stream_id(stream_id);
  req.set_session_id(session_id);
  pb::JoinRoomResponse res;
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  grpc::Status s = stub.JoinRoom(&ctx, req, &res);
  if (out != nullptr) *out = res;
  return Of(s, ctx);
}

Outcome Heartbeat(pb::RealtimePushService::Stub& stub, const std::string& stream_id,
                  const std::string& session_id, const std::string& token,
                  pb::HeartbeatResponse* out) {
  pb::HeartbeatRequest req;
  req.set_stream_id(stream_id);
  req.set_session_id(session_id);
  pb::HeartbeatResponse res;
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  grpc::Status s = stub.Heartbeat(&ctx, req, &res);
  if (out != nullptr) *out = res;
  return Of(s, ctx);
}

Outcome Leave(pb::RealtimePushService::Stub& stub, const std::string& stream_id,
              const std::string& session_id, const std::string& token) {
  pb::LeaveRoomRequest req;
  req.set_stream_id(stream_id);
  req.set_session_id(session_id);
  pb::LeaveRoomResponse res;
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  return Of(stub.LeaveRoom(&ctx, req, &res), ctx);
}

Outcome Stats(pb::RealtimePushService::Stub& stub, const std::string& stream_id,
              const std::string& token, pb::RoomStats* out) {
  pb::GetRoomStatsRequest req;
  req.set_stream_id(stream_id);
  pb::GetRoomStatsResponse res;
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  grpc::Status s = stub.GetRoomStats(&ctx, req, &res);
  if (out != nullptr) *out = res.stats();
  return Of(s, ctx);
}

std::string SessionId(int n) { return absl::StrFormat("tab-%08d-0123456789", n); }

std::vector<pb::ReactionCounts> ReactionEvents(const Subscriber& s) {
  std::vector<pb::ReactionCounts> out;
  for (const auto& m : s.Received()) {
    if (m.has_event() && m.event().has_reaction_counts()) {
      out.push_back(m.event().reaction_counts());
    }
  }
  return out;
}

std::vector<pb::ViewerCount> ViewerEvents(const Subscriber& s) {
  std::vector<pb::ViewerCount> out;
  for (const auto& m : s.Received()) {
    if (m.has_event() && m.event().has_viewer_count()) out.push_back(m.event().viewer_count());
  }
  return out;
}

int64_t QueryInt(RoomsFixture& f, const std::string& sql, const std::string& param) {
  absl::StatusOr<int64_t> v =
      db::InTransaction(f.pool(), [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
        pqxx::result r = tx.exec_params(sql, param);
        return r.empty() || r[0][0].is_null() ? 0 : r[0][0].as<int64_t>();
      });
  REQUIRE(v.ok());
  return *v;
}

void CloseRoom(RoomsFixture& f, const std::string& stream_id) {
  absl::Status s = db::InTransaction(f.pool(), [&](pqxx::work& tx) -> absl::Status {
    rooms::tx::CloseRoom(tx, stream_id, absl::Now());
    return absl::OkStatus();
  });
  REQUIRE(s.ok());
}

}  // namespace shopcast::realtime_push::testing
