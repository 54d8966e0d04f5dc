# srt: the SRT ingest listener (libsrt). Stream-id parsing is pure and unit-tested; the
# listener is tested against real ffmpeg publishers and an in-process libsrt caller.
add_library(video_ingest_srt STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/srt/held_udp_port.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/srt/reject_code.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/srt/srt_library.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/srt/srt_listener.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/srt/srt_metrics.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/srt/srt_options.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/srt/stream_id.cc)
target_include_directories(video_ingest_srt PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_srt
  PUBLIC video_ingest_publish PkgConfig::SRT prometheus-cpp::core absl::status absl::statusor
         absl::time
  PRIVATE shopcast::log shopcast::status absl::synchronization Boost::boost Threads::Threads)
shopcast_warnings(video_ingest_srt)

shopcast_test(NAME video_ingest_srt_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/srt/stream_id_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/srt/reject_code_test.cc
  DEPS video_ingest_srt shopcast::status
  LABEL unit)

shopcast_test(NAME video_ingest_srt_listener_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/srt/srt_listener_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/srt/fake_admission.cc
  DEPS video_ingest_srt video_ingest_backoff video_ingest_ffmpeg_check shopcast::status
       shopcast::testing_files nlohmann_json::nlohmann_json
  LABEL integration)
