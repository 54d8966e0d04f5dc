# The JSON API (src/api/): the route table from the public services' descriptors, JSON ⇄ proto,
# generic gRPC calls, error mapping, OpenAPI, the refresh cookie and CSRF.
add_library(gateway_api_core STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/api/routes.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/api/json.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/api/errors.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/api/cookies.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/api/openapi.cc)
target_link_libraries(gateway_api_core PUBLIC gateway_contracts
  shopcast::proto_user shopcast::proto_product_inventory shopcast::proto_order
  shopcast::proto_realtime_push shopcast::proto_video_ingest shopcast::proto_recording_lifecycle
  shopcast::proto_gateway shopcast::proto_rpc_status shopcast::proto_common
  shopcast::status shopcast::text shopcast::ids nlohmann_json::nlohmann_json
  OpenSSL::Crypto absl::flat_hash_map absl::strings)
shopcast_warnings(gateway_api_core)

add_library(gateway_api STATIC ${CMAKE_CURRENT_SOURCE_DIR}/src/api/api_handler.cc)
target_link_libraries(gateway_api PUBLIC gateway_api_core shopcast::server shopcast::log
  prometheus-cpp::core absl::synchronization)
shopcast_warnings(gateway_api)
