# Token buckets per (action, caller): the RateLimits of src/limits/rate_limits.h.
add_library(gateway_limits STATIC ${CMAKE_CURRENT_SOURCE_DIR}/src/limits/token_buckets.cc)
target_link_libraries(gateway_limits PUBLIC gateway_contracts prometheus-cpp::core
  absl::flat_hash_map absl::synchronization absl::strings absl::statusor)
shopcast_warnings(gateway_limits)
