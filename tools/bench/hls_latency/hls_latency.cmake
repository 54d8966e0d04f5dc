# HLS latency and cost against nginx-rtmp (hls_latency/README.md): run.sh drives the release
# video-ingest binary, nginx and ffmpeg; this helper only creates streams through the gRPC API.
add_executable(hls_bench_streams ${CMAKE_CURRENT_LIST_DIR}/streams.cc)
target_link_libraries(hls_bench_streams PRIVATE shopcast::proto_video_ingest shopcast::auth
                                                absl::flags absl::flags_parse absl::strings
                                                absl::time)
shopcast_warnings(hls_bench_streams)
