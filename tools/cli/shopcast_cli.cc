// shopcast: a small operator/developer client for the suite.
//   shopcast health <host:port> [service]       exit 0 iff SERVING
//   shopcast login <host:port> <login>          password on stdin; prints the access token
//   shopcast me <host:port>                     access token in $SHOPCAST_TOKEN
//   shopcast stream-create <host:port> <title>  (host token in $SHOPCAST_TOKEN) prints
//                                               "<stream id> <key> <rtmp url> <srt url>"
//   shopcast stream-status <host:port> <id>     prints "<status> <playback url>"
//   shopcast stream-usable <host:port> <id>     prints the status; exit 0 if an encoder can
//                                               still publish to it, 3 if it is over or unknown,
//                                               1 if it could not be asked
//   shopcast stream-end <host:port> <id>        (host token) ends it, recording undecided

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "shopcast/user/v1/user.grpc.pb.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"
#include "stream_state.h"

namespace {

std::shared_ptr<grpc::Channel> Connect(const std::string& addr) {
  return grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
}

void Deadline(grpc::ClientContext& ctx) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

int Health(const std::string& addr, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(Connect(addr));
  grpc::ClientContext ctx;
  Deadline(ctx);
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::health::v1::HealthCheckResponse res;
  grpc::Status st = stub->Check(&ctx, req, &res);
  if (!st.ok()) {
    std::cerr << addr << ": " << st.error_message() << "\n";
    return 1;
  }
  bool serving = res.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  std::cout << addr << " " << (serving ? "SERVING" : "NOT_SERVING") << "\n";
  return serving ? 0 : 1;
}

int Login(const std::string& addr, const std::string& login) {
  std::string password;
  std::getline(std::cin, password);
  auto stub = shopcast::user::v1::UserService::NewStub(Connect(addr));
  grpc::ClientContext ctx;
  Deadline(ctx);
  shopcast::user::v1::LoginRequest req;
  req.set_login(login);
  req.set_password(password);
  shopcast::user::v1::LoginResponse res;
  grpc::Status st = stub->Login(&ctx, req, &res);
  if (!st.ok()) {
    std::cerr << "login failed: " << st.error_message() << "\n";
    return 1;
  }
  std::cout << res.tokens().access_token() << "\n";
  return 0;
}

int Me(const std::string& addr) {
  const char* token = std::getenv("SHOPCAST_TOKEN");
  auto stub = shopcast::user::v1::UserService::NewStub(Connect(addr));
  grpc::ClientContext ctx;
  Deadline(ctx);
  if (token != nullptr) ctx.AddMetadata("authorization", std::string("Bearer ") + token);
  shopcast::user::v1::GetMeResponse res;
  grpc::Status st = stub->GetMe(&ctx, shopcast::user::v1::GetMeRequest(), &res);
  if (!st.ok()) {
    std::cerr << "GetMe failed: " << st.error_message() << "\n";
    return 1;
  }
  std::cout << res.user().id() << " " << res.user().username() << " "
            << shopcast::user::v1::Role_Name(res.user().role()) << " " << res.email() << "\n";
  return 0;
}

namespace vi = shopcast::video_ingest::v1;

void Authorize(grpc::ClientContext& ctx) {
  if (const char* token = std::getenv("SHOPCAST_TOKEN")) {
    ctx.AddMetadata("authorization", std::string("Bearer ") + token);
  }
}

int StreamCreate(const std::string& addr, const std::string& title) {
  auto stub = vi::VideoIngestService::NewStub(Connect(addr));
  grpc::ClientContext ctx;
  Deadline(ctx);
  Authorize(ctx);
  vi::CreateStreamRequest req;
  req.set_title(title);
  // A fresh key per call: the CLI creates a new stream each time it is asked.
  req.set_idempotency_key(
      "cli-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count()));
  vi::CreateStreamResponse res;
  grpc::Status st = stub->CreateStream(&ctx, req, &res);
  if (!st.ok()) {
    std::cerr << "CreateStream failed: " << st.error_message() << "\n";
    return 1;
  }
  std::cout << res.stream().id() << " " << res.endpoints().stream_key() << " "
            << res.endpoints().rtmp_url() << " " << res.endpoints().srt_url() << "\n";
  return 0;
}

int StreamStatus(const std::string& addr, const std::string& id) {
  auto stub = vi::VideoIngestService::NewStub(Connect(addr));
  grpc::ClientContext ctx;
  Deadline(ctx);
  Authorize(ctx);
  vi::GetStreamRequest req;
  req.set_stream_id(id);
  vi::GetStreamResponse res;
  grpc::Status st = stub->GetStream(&ctx, req, &res);
  if (!st.ok()) {
    std::cerr << "GetStream failed: " << st.error_message() << "\n";
    return 1;
  }
  std::cout << shopcast::common::v1::StreamStatus_Name(res.stream().status()) << " "
            << res.stream().playback_url() << "\n";
  return 0;
}

// Exit codes of stream-usable.
constexpr int kUsable = 0;
constexpr int kCannotAsk = 1;
constexpr int kOver = 3;

int StreamUsable(const std::string& addr, const std::string& id) {
  auto stub = vi::VideoIngestService::NewStub(Connect(addr));
  grpc::ClientContext ctx;
  Deadline(ctx);
  Authorize(ctx);
  vi::GetStreamRequest req;
  req.set_stream_id(id);
  vi::GetStreamResponse res;
  grpc::Status st = stub->GetStream(&ctx, req, &res);
  // Gone (a fresh database, a malformed id) is as over as ENDED; anything else (the service is
  // down, the token is refused) says nothing about the stream.
  if (st.error_code() == grpc::StatusCode::NOT_FOUND ||
      st.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    std::cout << "STREAM_NOT_FOUND\n";
    return kOver;
  }
  if (!st.ok()) {
    std::cerr << "GetStream failed: " << st.error_message() << "\n";
    return kCannotAsk;
  }
  std::cout << shopcast::common::v1::StreamStatus_Name(res.stream().status()) << "\n";
  return shopcast::cli::AcceptsEncoder(res.stream(), absl::Now()) ? kUsable : kOver;
}

int StreamEnd(const std::string& addr, const std::string& id) {
  auto stub = vi::VideoIngestService::NewStub(Connect(addr));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  Authorize(ctx);
  vi::EndStreamRequest req;
  req.set_stream_id(id);
  req.set_recording_choice(vi::RECORDING_CHOICE_UNDECIDED);
  vi::EndStreamResponse res;
  grpc::Status st = stub->EndStream(&ctx, req, &res);
  if (!st.ok()) {
    std::cerr << "EndStream failed: " << st.error_message() << "\n";
    return 1;
  }
  std::cout << shopcast::common::v1::StreamStatus_Name(res.stream().status()) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "health" && argc >= 3) return Health(argv[2], argc > 3 ? argv[3] : "");
  if (cmd == "login" && argc == 4) return Login(argv[2], argv[3]);
  if (cmd == "me" && argc == 3) return Me(argv[2]);
  if (cmd == "stream-create" && argc == 4) return StreamCreate(argv[2], argv[3]);
  if (cmd == "stream-status" && argc == 4) return StreamStatus(argv[2], argv[3]);
  if (cmd == "stream-usable" && argc == 4) return StreamUsable(argv[2], argv[3]);
  if (cmd == "stream-end" && argc == 4) return StreamEnd(argv[2], argv[3]);
  std::cerr << "usage: shopcast health <addr> [service] | login <addr> <login> | me <addr> |\n"
               "       stream-create <addr> <title> | stream-status <addr> <id> |\n"
               "       stream-usable <addr> <id> | stream-end <addr> <id>\n"
               "  login reads the password from standard input and prints an access token;\n"
               "  me and the stream-* commands send the access token in SHOPCAST_TOKEN:\n"
               "    export SHOPCAST_TOKEN=$(echo <password> | shopcast login <addr> <login>)\n";
  return 2;
}
