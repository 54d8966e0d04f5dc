// The flash-sale benchmark's baselines, serving the product-inventory Reserve RPC on the same
// harness as the real service (README.md beside this file):
//   --mode=naive  one transaction per request (NaiveEngine: SELECT … FOR UPDATE, idempotency
//                 look-up, limit check, INSERT hold, UPDATE stock, COMMIT) on a pooled
//                 connection, the bearer token verified like the service does; gRPC's
//                 synchronous API, a thread per request in flight — the textbook server;
//   --mode=empty  answers every Reserve at once (callback API, no token check, no database):
//                 the ceiling of a gRPC call on this machine;
//   --mode=empty_auth  the same after verifying the bearer token as the service does (libs/auth,
//                 on the reactor): the ceiling of an authenticated call.
// Writes {"event":"server_started","grpc_port":N} to stderr once it listens, serves until
// SIGTERM/SIGINT.
//
//   flash_sale_baseline_server --mode=naive --dsn='…' --verify_key_file=signing.pub.pem

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "naive_engine.h"
#include "shopcast/auth/caller.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/db/pool.h"
#include "shopcast/ids/ids.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"
#include "shopcast/status/status.h"

ABSL_FLAG(std::string, mode, "naive", "naive | empty | empty_auth");
ABSL_FLAG(std::string, addr, "127.0.0.1:0", "listen address");
ABSL_FLAG(std::string, dsn, "", "naive: the database (stock tables applied)");
ABSL_FLAG(int, pool, 32, "naive: database connections");
ABSL_FLAG(std::string, verify_key_file, "", "naive: public key the buyers' tokens verify with");

namespace shopcast::bench::flash_sale {
namespace {

namespace v1 = ::shopcast::product_inventory::v1;
namespace stock = ::shopcast::product_inventory::stock;

grpc::Status ToGrpc(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

// One blocking transaction per request, on the synchronous API's thread.
class NaiveService final : public v1::ProductInventoryService::Service {
 public:
  NaiveService(NaiveEngine& engine, const auth::TokenVerifier& verifier)
      : engine_(engine), verifier_(verifier) {}

  grpc::Status Reserve(grpc::ServerContext* ctx, const v1::ReserveRequest* request,
                       v1::ReserveResponse* response) override {
    const absl::Time now = absl::Now();
    absl::StatusOr<auth::Caller> caller = auth::AuthenticateCaller(*ctx, verifier_, now);
    if (!caller.ok()) return ToGrpc(caller.status());
    if (request->quantity() < 1 || request->quantity() > 100 ||
        request->idempotency_key().empty() || request->product_id().empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad request");
    }
    stock::ReserveRequest r{request->product_id(), caller->user_id, request->quantity(),
                            request->idempotency_key()};
    absl::StatusOr<stock::Hold> hold = engine_.Reserve(r, now);
    if (!hold.ok()) return ToGrpc(hold.status());
    v1::Reservation* out = response->mutable_reservation();
    out->set_id(hold->id);
    out->set_product_id(hold->product_id);
    out->set_buyer_id(hold->buyer_id);
    out->set_quantity(static_cast<int32_t>(hold->quantity));
    out->set_status(v1::RESERVATION_STATUS_HELD);
    return grpc::Status::OK;
  }

 private:
  NaiveEngine& engine_;
  const auth::TokenVerifier& verifier_;
};

// Answers at once: what a Reserve costs before any work (with `verifier`: after the token
// check).
class EmptyService final : public v1::ProductInventoryService::CallbackService {
 public:
  explicit EmptyService(const auth::TokenVerifier* verifier) : verifier_(verifier) {}

  grpc::ServerUnaryReactor* Reserve(grpc::CallbackServerContext* ctx,
                                    const v1::ReserveRequest* request,
                                    v1::ReserveResponse* response) override {
    if (verifier_ != nullptr) {
      absl::StatusOr<auth::Caller> caller = auth::AuthenticateCaller(*ctx, *verifier_, absl::Now());
      if (!caller.ok()) {
        grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
        reactor->Finish(ToGrpc(caller.status()));
        return reactor;
      }
      response->mutable_reservation()->set_buyer_id(caller->user_id);
    }
    v1::Reservation* out = response->mutable_reservation();
    out->set_product_id(request->product_id());
    out->set_quantity(request->quantity());
    out->set_status(v1::RESERVATION_STATUS_HELD);
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const auth::TokenVerifier* verifier_;
};

int Serve(grpc::Service& service) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::GetFlag(FLAGS_addr), grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "cannot listen on %s\n", absl::GetFlag(FLAGS_addr).c_str());
    return 1;
  }
  std::fprintf(stderr, "{\"event\":\"server_started\",\"grpc_port\":%d}\n", port);
  std::fflush(stderr);
  int sig = 0;
  sigwait(&signals, &sig);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return 0;
}

}  // namespace
}  // namespace shopcast::bench::flash_sale

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the mask and sigwait gets the signal.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // As product-inventory's release binary does (libs/startup), so the baselines run with the
  // same Abseil setting: no lock-order cycle check on every mutex acquisition.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::ParseCommandLine(argc, argv);
  namespace fs = shopcast::bench::flash_sale;
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "empty") {
    fs::EmptyService service(nullptr);
    return fs::Serve(service);
  }
  if (mode != "naive" && mode != "empty_auth") {
    std::fprintf(stderr, "--mode must be naive, empty or empty_auth\n");
    return 2;
  }
  auto key = shopcast::auth::LoadPublicKeyFile(absl::GetFlag(FLAGS_verify_key_file));
  if (!key.ok()) {
    std::fprintf(stderr, "verify key: %s\n", key.status().ToString().c_str());
    return 2;
  }
  shopcast::auth::TokenVerifier verifier({*key}, "shopcast-user", "shopcast");
  if (mode == "empty_auth") {
    fs::EmptyService service(&verifier);
    return fs::Serve(service);
  }
  auto pool = shopcast::db::Pool::Create(shopcast::db::PoolOptions{
      absl::GetFlag(FLAGS_dsn), absl::GetFlag(FLAGS_pool), absl::Minutes(2),
      fs::NaiveEngine::PreparedStatements(), "flash-sale-naive"});
  if (!pool.ok()) {
    std::fprintf(stderr, "pool: %s\n", pool.status().ToString().c_str());
    return 1;
  }
  fs::NaiveEngine engine(**pool);
  fs::NaiveService service(engine, verifier);
  return fs::Serve(service);
}
