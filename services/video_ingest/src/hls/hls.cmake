# hls: the HLS origin over HTTP. Serves what the packager writes under its root: the HLS paths,
# content types, caching and CORS here; the server, sessions, ranges and conditional requests
# from libs/http_files.
# Included from services/video_ingest/CMakeLists.txt, so paths are relative to that folder.

add_library(video_ingest_hls STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/blocking_requests.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/hls_origin.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/hls_path.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/playlist_rewrite.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/playlist_watch.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/responder.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/hls/thumbnail_requests.cc)
target_include_directories(video_ingest_hls PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_hls
  PUBLIC absl::status absl::time absl::synchronization shopcast::http_files
         video_ingest_media  # PlaylistProgress, the seam with the live playlist
  PRIVATE absl::strings absl::str_format shopcast::ids shopcast::log shopcast::status
          prometheus-cpp::core)
shopcast_warnings(video_ingest_hls)

# Parsers and the in-process server, driven by plain sockets: no external tools.
shopcast_test(NAME video_ingest_hls_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/hls_path_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/hls_origin_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/playlist_rewrite_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/gated_origin_test.cc
  DEPS video_ingest_hls prometheus-cpp::core shopcast::status shopcast::testing_files
       shopcast::http_files_testing
  LABEL unit)

# Low-Latency HLS blocking requests: the origin over real sockets, fed by a PlaylistWatch (and a
# real LivePlaylist); parked requests, their timeouts, cap, threads, disconnects and shutdown.
shopcast_test(NAME video_ingest_hls_blocking_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/blocking_reload_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/playlist_watch_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/thumbnail_requests_test.cc
  DEPS video_ingest_hls video_ingest_media prometheus-cpp::core shopcast::testing_files
       shopcast::testing_wait shopcast::http_files_testing absl::strings absl::str_format
  LABEL unit)

# A real HLS client (ffmpeg) plays segments that ffmpeg packaged, through the origin.
shopcast_test(NAME video_ingest_hls_player_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/hls/hls_player_test.cc
  DEPS video_ingest_hls prometheus-cpp::core shopcast::testing_files shopcast::http_files_testing
  LABEL integration)

# ParseHlsTarget and (libs/http_files') EvaluateRange are fuzzed by fuzz/hls_request_fuzz.cc
# (fuzz/fuzz.cmake).
