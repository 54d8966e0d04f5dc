# Benchmarks: built with the suite, run by hand (tools/bench/README.md); never timed in CI.
add_executable(user_load ${CMAKE_CURRENT_LIST_DIR}/user_load.cc)
target_link_libraries(user_load PRIVATE shopcast::proto_user PkgConfig::SODIUM absl::flags
                                        absl::flags_parse absl::strings)
shopcast_warnings(user_load)

add_executable(framework_overhead ${CMAKE_CURRENT_LIST_DIR}/framework_overhead.cc)
target_link_libraries(framework_overhead PRIVATE user_lib absl::flags absl::flags_parse
                                                 absl::strings absl::synchronization)
shopcast_warnings(framework_overhead)

# Fan-out of realtime-push's rooms against a bare gRPC broadcast server (fanout/README in
# tools/bench/README.md); tools/bench/fanout/run.sh builds nothing, it runs these two.
set(_fanout ${CMAKE_CURRENT_LIST_DIR}/fanout)
add_executable(fanout_bench ${_fanout}/fanout_bench.cc ${_fanout}/target.cc
                            ${_fanout}/subscribers.cc ${_fanout}/publisher.cc
                            ${_fanout}/proc_stats.cc)
target_link_libraries(fanout_bench PRIVATE shopcast::proto_realtime_push
                                           shopcast::proto_video_ingest shopcast::clients
                                           shopcast::auth shopcast::ids absl::flags
                                           absl::flags_parse absl::strings absl::str_format
                                           absl::synchronization absl::time)
shopcast_warnings(fanout_bench)

add_executable(fanout_baseline_server ${_fanout}/baseline_server.cc)
target_link_libraries(fanout_baseline_server PRIVATE shopcast::proto_realtime_push shopcast::auth
                                                     absl::flags absl::flags_parse
                                                     absl::flat_hash_map absl::synchronization)
shopcast_warnings(fanout_baseline_server)

# What the benchmarks below share (common/: tokens, processes, scrapes, CPU, latency).
include(${CMAKE_CURRENT_LIST_DIR}/common/common.cmake)

# Flash-sale load on the product-inventory stock engine (flash_sale/README.md).
include(${CMAKE_CURRENT_LIST_DIR}/flash_sale/flash_sale.cmake OPTIONAL)

# Checkout end to end: Reserve at product-inventory, PlaceOrder at order (checkout/README.md).
include(${CMAKE_CURRENT_LIST_DIR}/checkout/checkout.cmake OPTIONAL)

# WebSocket fan-out: the gateway's hub against a Node `ws` broadcast server (ws_fanout/README.md);
# the load client is Node (ws_fanout/node/client.js), this is the gateway side's publisher.
add_executable(ws_fanout_publish ${CMAKE_CURRENT_LIST_DIR}/ws_fanout/publish.cc
                                 ${_fanout}/target.cc ${_fanout}/publisher.cc
                                 ${_fanout}/subscribers.cc)
target_link_libraries(ws_fanout_publish PRIVATE shopcast::proto_realtime_push
                                                shopcast::proto_video_ingest shopcast::clients
                                                shopcast::auth absl::flags absl::flags_parse
                                                absl::str_format absl::strings absl::synchronization
                                                absl::time)
shopcast_warnings(ws_fanout_publish)
add_executable(ws_fanout_client ${CMAKE_CURRENT_LIST_DIR}/ws_fanout/client.cc)
target_link_libraries(ws_fanout_client PRIVATE Boost::boost Threads::Threads absl::flags
                                               absl::flags_parse absl::strings)
shopcast_warnings(ws_fanout_client)

# HLS publish-to-playable, glass to glass and cost: video-ingest against nginx-rtmp
# (hls_latency/README.md); the helper creates streams through video-ingest's gRPC API.
include(${CMAKE_CURRENT_LIST_DIR}/hls_latency/hls_latency.cmake OPTIONAL)
