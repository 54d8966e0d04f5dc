# hls: the HLS origin over HTTP (Boost.Beast). Serves what the packager writes under its root.
# Included from services/video_ingest/CMakeLists.txt, so paths are relative to that folder.

add_library(video_ingest_hls STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/byte_range.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/hls_metrics.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/hls_origin.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/hls_path.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/http_session.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/ranged_file.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/responder.cc)
target_include_directories(video_ingest_hls PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_hls
  PUBLIC absl::status absl::time Boost::boost
  PRIVATE absl::strings absl::str_format prometheus-cpp::core shopcast::ids shopcast::log
          shopcast::status Threads::Threads)
shopcast_warnings(video_ingest_hls)

# Parsers and the in-process server, driven by plain sockets: no external tools.
shopcast_test(NAME video_ingest_hls_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/byte_range_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/hls_path_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/hls_origin_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/test_client.cc
  DEPS video_ingest_hls prometheus-cpp::core shopcast::status shopcast::testing_files
  LABEL unit)

# A real HLS client (ffmpeg) plays segments that ffmpeg packaged, through the origin.
shopcast_test(NAME video_ingest_hls_player_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/hls_player_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/test_client.cc
  DEPS video_ingest_hls prometheus-cpp::core shopcast::testing_files
  LABEL integration)

# ParseHlsTarget and EvaluateRange are fuzzed by fuzz/hls_request_fuzz.cc (fuzz/fuzz.cmake).
