# ---- RTMP protocol (pure code, no I/O): handshake, chunk stream, AMF0, FLV; its fuzzers. ----
# Kept free of Boost and gRPC so the fuzzers build fast. The RTMP server section follows below.
set(VIDEO_INGEST_RTMP_PROTOCOL_SOURCES
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/amf0.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/chunk_stream.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/flv.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/handshake.cc)
set(VIDEO_INGEST_RTMP_PROTOCOL_DEPS
    shopcast::status absl::status absl::statusor absl::random_random absl::random_bit_gen_ref)
add_library(video_ingest_rtmp_protocol STATIC ${VIDEO_INGEST_RTMP_PROTOCOL_SOURCES})
target_include_directories(video_ingest_rtmp_protocol PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(video_ingest_rtmp_protocol PUBLIC ${VIDEO_INGEST_RTMP_PROTOCOL_DEPS})
shopcast_warnings(video_ingest_rtmp_protocol)

shopcast_test(NAME video_ingest_rtmp_protocol_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/amf0_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/chunk_stream_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/flv_test.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/rtmp/handshake_test.cc
    DEPS video_ingest_rtmp_protocol
    LABEL unit)

# Fuzz targets for the chunk parser and the AMF0 decoder (clang only: the fuzz preset).
set(VIDEO_INGEST_FUZZERS rtmp_chunk_fuzz amf0_fuzz)
option(SHOPCAST_BUILD_FUZZERS "Build the libFuzzer targets (needs clang; see the fuzz preset)" OFF)
if(SHOPCAST_BUILD_FUZZERS AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(WARNING "SHOPCAST_BUILD_FUZZERS needs clang (cmake --preset fuzz); fuzzers skipped")
elseif(SHOPCAST_BUILD_FUZZERS)
  # The code under test is compiled into each fuzzer so it carries the coverage instrumentation.
  set(rtmp_chunk_fuzz_sources amf0.cc chunk_stream.cc flv.cc)
  set(amf0_fuzz_sources amf0.cc)
  foreach(fuzzer IN LISTS VIDEO_INGEST_FUZZERS)
    list(TRANSFORM ${fuzzer}_sources PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/src/rtmp/
         OUTPUT_VARIABLE sources)
    add_executable(${fuzzer} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${fuzzer}.cc ${sources})
    target_include_directories(${fuzzer} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_link_libraries(${fuzzer} PRIVATE ${VIDEO_INGEST_RTMP_PROTOCOL_DEPS})
    target_compile_options(${fuzzer} PRIVATE -fsanitize=fuzzer,address,undefined
                                             -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(${fuzzer} PRIVATE -fsanitize=fuzzer,address,undefined)
    shopcast_warnings(${fuzzer})
  endforeach()
endif()

if(SHOPCAST_BUILD_TESTS)
  # The same fuzz sources under g++ with a plain main that replays the seed corpus: they keep
  # compiling and the seeds stay crash-free even where libFuzzer is absent.
  foreach(fuzzer IN LISTS VIDEO_INGEST_FUZZERS)
    add_executable(video_ingest_${fuzzer}_replay ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/replay_main.cc
                                                 ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${fuzzer}.cc)
    target_link_libraries(video_ingest_${fuzzer}_replay PRIVATE video_ingest_rtmp_protocol)
    shopcast_warnings(video_ingest_${fuzzer}_replay)
    add_test(NAME video_ingest_${fuzzer}_replay
             COMMAND video_ingest_${fuzzer}_replay ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${fuzzer})
    set_tests_properties(video_ingest_${fuzzer}_replay PROPERTIES LABELS unit)
  endforeach()

  # A bounded libFuzzer run (its own clang build under build/fuzz) when this machine can do it.
  find_program(SHOPCAST_CLANGXX NAMES clang++-14 clang++)
  if(SHOPCAST_CLANGXX)
    execute_process(COMMAND ${SHOPCAST_CLANGXX} -print-resource-dir
                    OUTPUT_VARIABLE clang_resource_dir OUTPUT_STRIP_TRAILING_WHITESPACE
                    RESULT_VARIABLE clang_rc ERROR_QUIET)
    set(libfuzzer
        "${clang_resource_dir}/lib/linux/libclang_rt.fuzzer-${CMAKE_SYSTEM_PROCESSOR}.a")
    if(clang_rc EQUAL 0 AND EXISTS "${libfuzzer}")
      add_test(NAME video_ingest_fuzz_bounded COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run-bounded)
      set_tests_properties(video_ingest_fuzz_bounded PROPERTIES LABELS fuzz TIMEOUT 600)
    endif()
  endif()
endif()
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
  DEPS video_ingest_rtmp_server shopcast::status nlohmann_json::nlohmann_json
       prometheus-cpp::core Threads::Threads
  LABEL integration)
# ---- end of the RTMP server section ----
