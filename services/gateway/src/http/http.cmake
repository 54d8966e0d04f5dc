# The HTTP/1.1 server: sessions, limits, routing to the areas, request ids, security headers,
# CORS, drain.
add_library(gateway_http STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/http/edge_policy.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/http/request_rules.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/http/server.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/http/server_metrics.cc)
target_link_libraries(gateway_http PUBLIC
  gateway_contracts shopcast::log OpenSSL::SSL OpenSSL::Crypto prometheus-cpp::core
  absl::flat_hash_map absl::random_random absl::strings absl::synchronization absl::time
  Threads::Threads)
shopcast_warnings(gateway_http)
