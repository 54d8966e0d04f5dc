#pragma once

// Test helpers for talking to a running service the way operators and probes do.

#include <memory>
#include <string>

#include "grpcpp/channel.h"

namespace shopcast::testing {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET http://127.0.0.1:<port><path>; throws std::runtime_error if the connection fails.
HttpResponse HttpGet(int port, const std::string& path);

// grpc.health.v1.Health/Check for `service`: 1 SERVING, 2 NOT_SERVING, 3 SERVICE_UNKNOWN,
// -1 when the call itself failed (server gone).
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service);

// An insecure channel to 127.0.0.1:<port>.
std::shared_ptr<grpc::Channel> LocalChannel(int port);

}  // namespace shopcast::testing
