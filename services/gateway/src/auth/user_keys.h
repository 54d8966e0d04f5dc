#pragma once

// The AccessCheck of access_check.h: tokens verified against the user service's public keys,
// fetched with UserService.GetSigningKeys and kept; fetched again (with a short deadline, at most
// once per min_refetch_interval) when a token names an unknown kid or the keys are older than
// keys_max_age; plus the revocation list pulled from the user service's internal
// ListRevocations (libs/auth RevocationSync), as every service does.

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "auth/access_check.h"
#include "grpcpp/channel.h"
#include "prometheus/registry.h"

namespace shopcast::gateway {

struct AccessCheckOptions {
  // Expected `iss` / `aud`; empty: whatever GetSigningKeys announces.
  std::string issuer;
  std::string audience;
  absl::Duration key_fetch_deadline = absl::Seconds(2);
  // Fetches of the keys, at most one per this (a flood of tokens with made-up kids costs the
  // user service one call per interval, not one per token).
  absl::Duration min_refetch_interval = absl::Seconds(5);
  // Keys this old are fetched again on the next check, so a retired key stops verifying.
  absl::Duration keys_max_age = absl::Minutes(10);
  // Revocations pulled this often; zero: no revocation sync (tests of the key cache alone).
  absl::Duration revocation_interval = absl::Seconds(1);
  // How long the user service may hold each pull (libs/auth RevocationSyncOptions::long_poll).
  absl::Duration revocation_long_poll = absl::ZeroDuration();
};

// `user_internal` is a channel to the user service's internal listener (mutual TLS with the
// gateway's certificate: UserService.GetSigningKeys and UserInternalService.ListRevocations are
// both served there). The revocation sync starts at once and stops when the check is destroyed;
// keys are fetched at the first check (the user service need not be up when the gateway
// starts). `metrics` may be null; registers shopcast_gateway_key_fetches_total{result},
// shopcast_gateway_access_refused_total{reason} and libs/auth's shopcast_revocations_*.
std::shared_ptr<AccessCheck> MakeAccessCheck(AccessCheckOptions options,
                                             std::shared_ptr<grpc::Channel> user_internal,
                                             prometheus::Registry* metrics);

}  // namespace shopcast::gateway
