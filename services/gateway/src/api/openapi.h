#pragma once

// The OpenAPI 3.1 description of the JSON API, generated from the route table and the message
// descriptors: one path per route (POST, and GET where the route takes it), request and
// response schemas named by the messages' full names with their proto3 JSON field names, the
// HttpError schema on every error answer, and bearer security.

#include <string>

#include "api/routes.h"

namespace shopcast::gateway::api {

// The document as compact JSON. `version` is the gateway's build version.
std::string OpenApiDocument(const RouteTable& routes, const std::string& version);

}  // namespace shopcast::gateway::api
