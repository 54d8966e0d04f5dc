# hls: /live/<stream>/… proxied to the video-ingest replica that holds the stream (its internal
# LookupStreams says which), over pooled keep-alive connections with an asynchronous client.
# Included from services/gateway/CMakeLists.txt, so paths are relative to that folder.

add_library(gateway_hls STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/hls_proxy.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/hls_target.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/origin.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/proxy_metrics.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/route_table.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/upstream_client.cc)
target_include_directories(gateway_hls PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(gateway_hls
  PUBLIC gateway_contracts shopcast::proto_video_ingest absl::status absl::time
  PRIVATE shopcast::ids shopcast::log absl::strings absl::synchronization absl::flat_hash_map
          prometheus-cpp::core Threads::Threads)
shopcast_warnings(gateway_hls)
# GCC 12 at -O2 reports a false mismatched-new-delete inside Boost.Asio's coroutine frames
# (awaitable_frame_base's own operator delete on the frame it allocated); -O0 does not. Only this
# file, only this warning, so that a release build shows only the warnings worth reading.
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/src/hls/upstream_client.cc
  PROPERTIES COMPILE_OPTIONS -Wno-mismatched-new-delete)
