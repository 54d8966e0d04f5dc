#include "shopcast/server/unary.h"

namespace shopcast::server {

std::string RequestIdOf(const grpc::ServerContextBase& ctx) {
  const auto& md = ctx.client_metadata();
  auto it = md.find("x-request-id");
  if (it == md.end() || it->second.size() > 128) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace shopcast::server
