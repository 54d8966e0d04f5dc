# ---- RTMP protocol (pure code, no I/O): handshake, chunk stream, AMF0, FLV, codec check,
# connection budget; its fuzzers. ----
# Kept free of Boost and gRPC so the fuzzers build fast. The RTMP server section follows below.
set(VIDEO_INGEST_RTMP_PROTOCOL_SOURCES
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/amf0.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/chunk_stream.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/codec_check.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/connection_table.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/flv.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/handshake.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/video_tag.cc)
set(VIDEO_INGEST_RTMP_PROTOCOL_DEPS
    shopcast::status absl::status absl::statusor absl::random_random absl::random_bit_gen_ref)
add_library(video_ingest_rtmp_protocol STATIC ${VIDEO_INGEST_RTMP_PROTOCOL_SOURCES})
target_include_directories(video_ingest_rtmp_protocol PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_rtmp_protocol PUBLIC ${VIDEO_INGEST_RTMP_PROTOCOL_DEPS})
shopcast_warnings(video_ingest_rtmp_protocol)

shopcast_test(NAME video_ingest_rtmp_protocol_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/amf0_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/chunk_stream_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/codec_check_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/connection_table_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/flv_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/handshake_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/video_tag_test.cc
    DEPS video_ingest_rtmp_protocol
    LABEL unit)

# ---- end of the RTMP protocol section ----

# ---- RTMP server (Boost.Asio coroutines): sessions, admission hand-off, metrics; its tests. ----
add_library(video_ingest_rtmp_server STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/rtmp_server.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/rtmp_server_messages.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/rtmp_server_metrics.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/rtmp_session.cc)
target_include_directories(video_ingest_rtmp_server PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_rtmp_server
    PUBLIC video_ingest_rtmp_protocol video_ingest_publish absl::status absl::statusor
    PRIVATE shopcast::log shopcast::status prometheus-cpp::core Boost::boost Threads::Threads)
shopcast_warnings(video_ingest_rtmp_server)

# Real publishers (ffmpeg, gst-launch-1.0) and hostile clients against the server; a fake
# PublishAdmission stands in for the database.
shopcast_test(NAME video_ingest_rtmp_server_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/server_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/server_test_support.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/raw_publisher.cc
  DEPS video_ingest_rtmp_server shopcast::status shopcast::testing_files nlohmann_json::nlohmann_json
       prometheus-cpp::core Threads::Threads
  LABEL integration)
# ---- end of the RTMP server section ----
