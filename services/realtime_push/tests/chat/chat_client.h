#pragma once

// Test helpers for chat: calls with a token and a deadline, the error's reason and metadata,
// and what the database holds for a room.

#include <chrono>
#include <cstdint>
#include <pqxx/transaction>
#include <string>

#include "google/rpc/status.pb.h"
#include "grpcpp/client_context.h"
#include "shopcast/common/v1/error.pb.h"
#include "shopcast/db/transaction.h"
#include "support/app_fixture.h"

namespace shopcast::realtime_push::testing {

// The ErrorInfo packed in a failed call's details (empty when there is none).
inline common::v1::ErrorInfo InfoOf(const grpc::Status& s) {
  common::v1::ErrorInfo info;
  google::rpc::Status details;
  if (details.ParseFromString(s.error_details()) && details.details_size() > 0) {
    details.details(0).UnpackTo(&info);
  }
  return info;
}

// Calls `method` on `stub` with `token` (none when empty) and a 30 s deadline; `reason`, when
// given, gets the shopcast-error-reason trailer (also set for requests refused before any
// handler ran, which carry no ErrorInfo).
template <typename Stub, typename Method, typename Req, typename Res>
grpc::Status Call(Stub& stub, Method method, const std::string& token, const Req& req, Res* res,
                  std::string* reason = nullptr) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) Authorize(ctx, token);
  grpc::Status s = (stub.*method)(&ctx, req, res);
  if (reason != nullptr) {
    const auto& trailers = ctx.GetServerTrailingMetadata();
    auto it = trailers.find("shopcast-error-reason");
    *reason = it == trailers.end() ? "" : std::string(it->second.data(), it->second.size());
  }
  return s;
}

inline grpc::Status SendChat(pb::RealtimePushService::Stub& stub, const std::string& token,
                             const std::string& stream_id, const std::string& text,
                             const std::string& client_message_id,
                             pb::SendChatResponse* out = nullptr, std::string* reason = nullptr) {
  pb::SendChatRequest req;
  req.set_stream_id(stream_id);
  req.set_text(text);
  req.set_client_message_id(client_message_id);
  pb::SendChatResponse res;
  return Call(stub, &pb::RealtimePushService::Stub::SendChat, token, req, out ? out : &res, reason);
}

inline int64_t ScalarOf(db::Pool& pool, const std::string& sql, const std::string& stream_id) {
  auto v = db::InTransaction(pool, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    return tx.exec_params1(sql, stream_id)[0].as<int64_t>();
  });
  return v.ok() ? *v : -1;
}

// Rows of chat_messages in the room.
inline int64_t ChatRows(RoomsFixture& f, const std::string& stream_id) {
  return ScalarOf(f.pool(), "SELECT count(*) FROM chat_messages WHERE stream_id = $1", stream_id);
}

// The room's last durable sequence.
inline int64_t HeadOf(RoomsFixture& f, const std::string& stream_id) {
  return ScalarOf(f.pool(), "SELECT head_seq FROM rooms WHERE stream_id = $1", stream_id);
}

}  // namespace shopcast::realtime_push::testing
