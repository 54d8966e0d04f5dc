#pragma once

// The JSON API's route table, declared once: every unary RPC of the public services (the
// generated descriptors, so a new RPC is routed as soon as its proto is) at
// `POST /api/v1/<service>/<Method>`, and `GET` too when the request message has no fields.
// Server-streaming RPCs are not routed (the WebSocket carries them); no `…Internal…` service
// ever is. What differs between routes — rate-limit action, edge auth, deadline, body limit —
// sits in one attribute table keyed by the method's full name, with defaults.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "limits/rate_limits.h"

namespace shopcast::gateway::api {

struct RouteAttributes {
  // The bucket a call takes a token from; none for reads.
  std::optional<RateAction> action;
  // The bucket is the client's address even for a signed-in caller (login, register).
  bool per_address = false;
  // A call without a bearer token is refused at the edge (401 TOKEN_MISSING) instead of being
  // forwarded for the service to refuse. Bad tokens are refused at the edge on every route.
  bool auth_required = false;
  // The call is about getting or ending a session (Login, Register, Refresh, Logout): an
  // Authorization header is neither checked nor forwarded, so a client holding an expired access
  // token can still refresh it.
  bool ignores_token = false;
  // Deadline of the downstream call, counted from when the request head was read.
  absl::Duration deadline = absl::Seconds(10);
  // Largest request body accepted, bytes (413 beyond it).
  size_t max_body_bytes = 64 * 1024;
};

struct Route {
  std::string path;         // "/api/v1/user/Login"
  std::string service;      // "user": the path segment, also the key of its channel
  std::string grpc_method;  // "/shopcast.user.v1.UserService/Login"
  const google::protobuf::MethodDescriptor* method = nullptr;
  bool allow_get = false;  // the request message has no fields
  RouteAttributes attributes;
};

// The public services: path segment and service full name (services/gateway/README.md).
struct PublicService {
  absl::string_view segment;
  absl::string_view full_name;
};
const std::vector<PublicService>& PublicServices();

// The attributes of `method_full_name` ("shopcast.user.v1.UserService.Login"): its entry in the
// table, or the defaults (reads — Get…, List…, Validate…, Suggest… — unlimited; every other
// call an other_write per caller).
RouteAttributes AttributesFor(absl::string_view method_full_name);

class RouteTable {
 public:
  // Built from the generated pool; Internal if a public service's descriptor is missing (a
  // build that did not link its proto) or a table entry names no routed method.
  static absl::StatusOr<RouteTable> Build();

  // The route at `path` (no query string), or null.
  const Route* Find(absl::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  absl::flat_hash_map<std::string, size_t> by_path_;
};

}  // namespace shopcast::gateway::api
