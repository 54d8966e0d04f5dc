#include "auth/user_keys.h"

#include <chrono>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpcpp/client_context.h"
#include "prometheus/counter.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/clients/call.h"
#include "shopcast/clients/internal.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "shopcast/user/v1/user.grpc.pb.h"

namespace shopcast::gateway {
namespace {

namespace userpb = ::shopcast::user::v1;

class UserKeysAccessCheck final : public AccessCheck {
 public:
  UserKeysAccessCheck(AccessCheckOptions options, std::shared_ptr<grpc::Channel> channel,
                      prometheus::Registry* metrics)
      : options_(std::move(options)), stub_(userpb::UserService::NewStub(channel)) {
    if (metrics != nullptr) {
      auto& fetches = prometheus::BuildCounter()
                          .Name("shopcast_gateway_key_fetches_total")
                          .Help("Fetches of the user service's signing keys, by result")
                          .Register(*metrics);
      fetch_ok_ = &fetches.Add({{"result", "ok"}});
      fetch_failed_ = &fetches.Add({{"result", "failed"}});
      refused_ = &prometheus::BuildCounter()
                      .Name("shopcast_gateway_access_refused_total")
                      .Help("Access tokens refused at the edge, by reason")
                      .Register(*metrics);
    }
    if (options_.revocation_interval > absl::ZeroDuration()) {
      auth::RevocationSyncOptions sync_options;
      sync_options.interval = options_.revocation_interval;
      sync_options.long_poll = options_.revocation_long_poll;
      sync_ = std::make_unique<auth::RevocationSync>(
          revoked_, clients::UserRevocationSource(channel, options_.key_fetch_deadline),
          sync_options, metrics);
      sync_->Start();
    }
  }

  ~UserKeysAccessCheck() override {
    if (sync_ != nullptr) sync_->Stop();
  }

  absl::StatusOr<auth::Claims> Verify(absl::string_view token, absl::Time now) override {
    absl::StatusOr<auth::Claims> claims = VerifyWithKeys(token, now);
    if (claims.ok()) {
      if (absl::Status s = revoked_.Check(*claims); !s.ok()) claims = s;
    }
    if (!claims.ok() && refused_ != nullptr) {
      std::string reason = ReasonOf(claims.status());
      refused_->Add({{"reason", reason.empty() ? "UNAVAILABLE" : reason}}).Increment();
    }
    return claims;
  }

  absl::Status CheckRevoked(const auth::Claims& claims) override { return revoked_.Check(claims); }
  int64_t RevocationSequence() const override { return revoked_.last_sequence(); }

 private:
  absl::StatusOr<auth::Claims> VerifyWithKeys(absl::string_view token, absl::Time now) {
    std::shared_ptr<const auth::TokenVerifier> verifier = Current(now);
    if (verifier != nullptr) {
      absl::StatusOr<auth::Claims> claims = verifier->Verify(token, now);
      if (claims.ok() || ReasonOf(claims.status()) != "TOKEN_UNKNOWN_KEY") return claims;
    }
    // No keys yet, or a kid we do not know: perhaps the user service rotated its key.
    std::shared_ptr<const auth::TokenVerifier> fresh = Refetch(now, verifier);
    if (fresh == nullptr) {
      if (verifier != nullptr) return verifier->Verify(token, now);
      return Error(absl::StatusCode::kUnavailable, "SIGNING_KEYS_UNAVAILABLE",
                   "access tokens cannot be checked right now; try again shortly");
    }
    return fresh->Verify(token, now);
  }

  // The verifier, fetched again first if it is older than keys_max_age (keeping the old one
  // if that fails).
  std::shared_ptr<const auth::TokenVerifier> Current(absl::Time now) {
    std::shared_ptr<const auth::TokenVerifier> verifier;
    bool stale = false;
    {
      absl::MutexLock lock(&mu_);
      verifier = verifier_;
      stale = verifier_ != nullptr && now - fetched_at_ >= options_.keys_max_age;
    }
    if (stale) {
      // Others keep using the old keys while one caller fetches.
      auto fresh = Refetch(now, verifier, /*wait=*/false);
      if (fresh != nullptr) return fresh;
    }
    return verifier;
  }

  // Fetches the keys unless another caller just did (or is doing it): then that result. Null
  // when there is no verifier newer than `seen` to offer.
  std::shared_ptr<const auth::TokenVerifier> Refetch(
      absl::Time now, const std::shared_ptr<const auth::TokenVerifier>& seen, bool wait = true) {
    // One fetch at a time; callers that wait reuse its result.
    if (wait) {
      fetch_mu_.Lock();
    } else if (!fetch_mu_.TryLock()) {
      return nullptr;
    }
    struct Unlock {
      absl::Mutex* mu;
      ~Unlock() { mu->Unlock(); }
    } unlock{&fetch_mu_};
    {
      absl::MutexLock lock(&mu_);
      if (verifier_ != seen) return verifier_;
      if (attempted_ && now - attempted_at_ < options_.min_refetch_interval) return nullptr;
      attempted_ = true;
      attempted_at_ = now;
    }
    grpc::ClientContext ctx;
    clients::PrepareContext(ctx, nullptr, options_.key_fetch_deadline);
    // A user service that just restarted is waited for (within the deadline) rather than
    // refused at once while the channel reconnects.
    ctx.set_wait_for_ready(true);
    userpb::GetSigningKeysResponse res;
    grpc::Status status = stub_->GetSigningKeys(&ctx, userpb::GetSigningKeysRequest(), &res);
    if (!status.ok() || res.keys().empty()) {
      if (fetch_failed_ != nullptr) fetch_failed_->Increment();
      log::Warn("signing_keys_fetch_failed")
          .Kv("code", static_cast<int>(status.error_code()))
          .Kv("detail", status.error_message());
      return nullptr;
    }
    std::vector<auth::PublicKey> keys;
    for (const auto& k : res.keys()) {
      if (k.alg() != "ES256") continue;
      keys.push_back(auth::PublicKey{k.kid(), k.public_key_pem()});
    }
    std::string issuer = options_.issuer.empty() ? res.issuer() : options_.issuer;
    std::string audience = options_.audience.empty() ? res.audience() : options_.audience;
    auto fresh = std::make_shared<const auth::TokenVerifier>(std::move(keys), std::move(issuer),
                                                             std::move(audience));
    if (fetch_ok_ != nullptr) fetch_ok_->Increment();
    log::Info("signing_keys_fetched").Kv("keys", res.keys_size());
    absl::MutexLock lock(&mu_);
    verifier_ = fresh;
    fetched_at_ = now;
    return fresh;
  }

  const AccessCheckOptions options_;
  std::unique_ptr<userpb::UserService::Stub> stub_;
  auth::RevocationList revoked_;
  std::unique_ptr<auth::RevocationSync> sync_;
  absl::Mutex fetch_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  absl::Mutex mu_;
  std::shared_ptr<const auth::TokenVerifier> verifier_ ABSL_GUARDED_BY(mu_);
  absl::Time fetched_at_ ABSL_GUARDED_BY(mu_);
  bool attempted_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time attempted_at_ ABSL_GUARDED_BY(mu_);
  prometheus::Counter* fetch_ok_ = nullptr;
  prometheus::Counter* fetch_failed_ = nullptr;
  prometheus::Family<prometheus::Counter>* refused_ = nullptr;
};

}  // namespace

std::shared_ptr<AccessCheck> MakeAccessCheck(AccessCheckOptions options,
                                             std::shared_ptr<grpc::Channel> user_internal,
                                             prometheus::Registry* metrics) {
  return std::make_shared<UserKeysAccessCheck>(std::move(options), std::move(user_internal),
                                               metrics);
}

}  // namespace shopcast::gateway
