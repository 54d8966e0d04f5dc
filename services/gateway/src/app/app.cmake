add_library(gateway_app STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/app.cc ${CMAKE_CURRENT_SOURCE_DIR}/src/app/config.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/gateway_service.cc)
target_include_directories(gateway_app PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_compile_definitions(gateway_app PRIVATE SHOPCAST_VERSION="${PROJECT_VERSION}")
target_link_libraries(gateway_app PUBLIC
  gateway_contracts shopcast::proto_gateway shopcast::server shopcast::auth shopcast::startup
  absl::flags
  # ---- area libraries (one line each) ----
  gateway_http
  gateway_web
  gateway_api
  gateway_auth
  gateway_limits
  gateway_hls
  gateway_images
  gateway_ws
  shopcast::clients)
shopcast_warnings(gateway_app)

add_executable(gateway ${CMAKE_CURRENT_SOURCE_DIR}/src/main.cc)
target_link_libraries(gateway PRIVATE gateway_app)
shopcast_warnings(gateway)
# The binary allocates with jemalloc (Debian's libjemalloc2), configured in allocator.cc: a
# crowd of idle WebSockets keeps about a fifth less resident memory than with glibc's malloc
# (tools/bench/RESULTS.md, ws_fanout). Not under the sanitizers, which bring their own.
if(NOT CMAKE_CXX_FLAGS MATCHES "fsanitize")
  target_sources(gateway PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/app/allocator.cc)
  target_link_libraries(gateway PRIVATE PkgConfig::JEMALLOC)
endif()
