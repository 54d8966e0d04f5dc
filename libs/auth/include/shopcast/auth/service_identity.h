#pragma once

// Service credentials for internal RPCs: mutual TLS with certificates from the internal CA.
// An internal listener accepts a call only from a peer whose certificate that CA signed; the
// peer's name is its certificate's common name ("video-ingest"). User tokens play no part, so
// no user token can satisfy it. See libs/auth/README.md for why mTLS.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_context.h"

namespace shopcast::auth {

// Where a service's credential lives (mounted Secret files).
struct ServiceTlsFiles {
  std::string ca_file;    // the internal CA's certificate (PEM): whom to trust
  std::string cert_file;  // this service's certificate (PEM), signed by that CA
  std::string key_file;   // its private key (PEM)
};

// A loaded credential.
struct ServiceTls {
  std::string name;  // this service's certificate common name
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
};

// Reads and checks the files: NotFound (SERVICE_TLS_UNREADABLE) if one cannot be read;
// InvalidArgument (SERVICE_TLS_INVALID) if a PEM does not parse, the key does not match the
// certificate, or the CA did not sign it. The key never appears in an error.
absl::StatusOr<ServiceTls> LoadServiceTls(const ServiceTlsFiles& files);

// Credentials for an internal listener. The handshake refuses a certificate the CA did not
// sign; every call without a verified client certificate is refused UNAUTHENTICATED, and one
// from a service not in `allowed_peers` (when non-empty) PERMISSION_DENIED.
std::shared_ptr<grpc::ServerCredentials> InternalServerCredentials(
    const ServiceTls& tls, std::vector<std::string> allowed_peers = {});

// Credentials for calling a peer's internal listener: presents our certificate and trusts
// only the internal CA.
std::shared_ptr<grpc::ChannelCredentials> InternalChannelCredentials(const ServiceTls& tls);

// The calling service's name on a call that came through an internal listener; "" otherwise.
std::string ServicePeerName(const grpc::ServerContextBase& ctx);

}  // namespace shopcast::auth
