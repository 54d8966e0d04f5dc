#pragma once

// Calling peers' internal listeners: a channel that presents this service's certificate
// (mutual TLS, see shopcast/auth/service_identity.h), and the typed clients of internal RPCs
// every service needs.

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/service_identity.h"

namespace shopcast::clients {

// A channel to a peer's internal listener at `target`, authenticated with `tls`, spreading
// calls with round_robin over every address the target resolves to (dns:///<headless Service>,
// or gRPC's multi-address "ipv4:h:1,h:2" whose first address is the name certificates are
// checked against). InvalidArgument (PEER_ADDRESS_MISSING) for an empty target, naming `peer`.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeInternalChannel(absl::string_view peer,
                                                                   absl::string_view target,
                                                                   const auth::ServiceTls& tls);

// The user service's UserInternalService.ListRevocations over `channel`: the source a
// RevocationSync pulls from. Each call is bounded by `deadline`, plus its wait when it is a long
// poll; cancel() ends the call in progress and every later one.
auth::RevocationSource UserRevocationSource(std::shared_ptr<grpc::Channel> channel,
                                            absl::Duration deadline = absl::Seconds(2));

}  // namespace shopcast::clients
