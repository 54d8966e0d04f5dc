# The live runtime (admission, sessions, state changes) and the binary that wires everything.
add_library(video_ingest_runtime STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/ingest/runtime.cc)
target_include_directories(video_ingest_runtime PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_runtime PUBLIC
  video_ingest_publish video_ingest_media video_ingest_streams shopcast::log shopcast::status
  prometheus-cpp::core Boost::headers Threads::Threads)
shopcast_warnings(video_ingest_runtime)

add_library(video_ingest_app STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/app/app.cc ${CMAKE_CURRENT_SOURCE_DIR}/src/app/config.cc)
target_include_directories(video_ingest_app PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_app PUBLIC
  video_ingest_runtime video_ingest_rtmp_server video_ingest_srt video_ingest_hls
  video_ingest_streams shopcast::server shopcast::clients shopcast::events shopcast::config
  absl::flags)
shopcast_warnings(video_ingest_app)

add_executable(video-ingest ${CMAKE_CURRENT_SOURCE_DIR}/src/main.cc)
target_link_libraries(video-ingest PRIVATE video_ingest_app)
shopcast_warnings(video-ingest)

if(SHOPCAST_BUILD_TESTS)
  # The binary driven by real encoders and players (ffmpeg, GStreamer, ffprobe, HTTP).
  add_library(video_ingest_e2e_fixture STATIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/ingest_fixture.cc)
  target_link_libraries(video_ingest_e2e_fixture PUBLIC
    shopcast::proto_video_ingest shopcast::auth shopcast::auth_testing shopcast::testing_pg
    shopcast::testing_net
    shopcast::testing_files
    Catch2::Catch2 PkgConfig::PQXX)
  target_compile_definitions(video_ingest_e2e_fixture PUBLIC
    SHOPCAST_VIDEO_INGEST_BIN="$<TARGET_FILE:video-ingest>")
  shopcast_warnings(video_ingest_e2e_fixture)
  shopcast_test(NAME video_ingest_e2e_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/publish_e2e_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/hostile_e2e_test.cc
    DEPS video_ingest_e2e_fixture LABEL e2e)
  add_dependencies(video_ingest_e2e_test video-ingest)
endif()
