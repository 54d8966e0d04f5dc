#pragma once

// The gateway's own RPCs (gateway.proto's GatewayService): server information and the client
// configuration, from the Config. GatewayInfo is the logic, also for the JSON API
// (GET /api/v1/gateway/GetServerInfo, …/GetClientConfig) to answer without a gRPC hop.

#include <string>

#include "absl/time/time.h"
#include "app/config.h"
#include "shopcast/gateway/v1/gateway.grpc.pb.h"

namespace shopcast::gateway {

class GatewayInfo {
 public:
  GatewayInfo(std::string version, const Config& config);

  v1::GetServerInfoResponse ServerInfo(absl::Time now) const;
  v1::GetClientConfigResponse ClientConfig() const;

 private:
  std::string version_;
  std::string revision_;
  v1::GetClientConfigResponse client_config_;
};

// The client configuration `config` describes: URLs under config.public_url (ws/wss for the
// WebSocket), the ingest URLs, currencies, limits, heartbeat timing and features.
v1::ClientConfig MakeClientConfig(const Config& config);

class GatewayService final : public v1::GatewayService::CallbackService {
 public:
  explicit GatewayService(const GatewayInfo& info) : info_(info) {}

  grpc::ServerUnaryReactor* GetServerInfo(grpc::CallbackServerContext* ctx,
                                          const v1::GetServerInfoRequest* request,
                                          v1::GetServerInfoResponse* response) override;
  grpc::ServerUnaryReactor* GetClientConfig(grpc::CallbackServerContext* ctx,
                                            const v1::GetClientConfigRequest* request,
                                            v1::GetClientConfigResponse* response) override;

 private:
  const GatewayInfo& info_;
};

}  // namespace shopcast::gateway
