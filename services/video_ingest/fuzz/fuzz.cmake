# libFuzzer targets for the parsers that face the network: the RTMP chunk stream, AMF0, the
# HLS origin's request target and Range header, and gated streams' playback tokens. Built with clang by the fuzz preset
# (cmake --preset fuzz); in the normal build each is replayed over its seed corpus instead, and
# fuzz/run-bounded runs them for a bounded time as the CTest test video_ingest_fuzz_bounded.
set(VIDEO_INGEST_FUZZERS rtmp_chunk_fuzz amf0_fuzz hls_request_fuzz playback_token_fuzz
    flv_remux_fuzz)
# The code under test is compiled into each fuzzer so it carries the coverage instrumentation.
set(rtmp_chunk_fuzz_sources
    src/rtmp/amf0.cc src/rtmp/chunk_stream.cc src/rtmp/codec_check.cc src/rtmp/flv.cc
    src/rtmp/video_tag.cc)
set(rtmp_chunk_fuzz_deps ${VIDEO_INGEST_RTMP_PROTOCOL_DEPS})
set(rtmp_chunk_fuzz_replay_deps video_ingest_rtmp_protocol)
set(amf0_fuzz_sources src/rtmp/amf0.cc)
set(amf0_fuzz_deps ${VIDEO_INGEST_RTMP_PROTOCOL_DEPS})
set(amf0_fuzz_replay_deps video_ingest_rtmp_protocol)
set(hls_request_fuzz_sources src/hls/hls_path.cc ../../libs/http_files/src/byte_range.cc)
# The library only for its headers: byte_range.cc is compiled in above, instrumented.
set(hls_request_fuzz_deps shopcast::ids absl::strings shopcast::http_files)
set(hls_request_fuzz_replay_deps video_ingest_hls)
set(playback_token_fuzz_sources src/access/playback_token.cc src/hls/hls_path.cc)
set(playback_token_fuzz_deps
    shopcast::ids shopcast::signed_token shopcast::status absl::strings absl::statusor absl::time)
set(playback_token_fuzz_replay_deps video_ingest_access)
# The native passthrough engine's FLV → MPEG-TS path (media/native_packager.h).
set(flv_remux_fuzz_sources
    src/media/flv_feed.cc src/media/flv_remux.cc src/media/ts_muxer.cc src/rtmp/video_tag.cc)
set(flv_remux_fuzz_deps ${VIDEO_INGEST_RTMP_PROTOCOL_DEPS} shopcast::status absl::status
    absl::statusor absl::strings)
set(flv_remux_fuzz_replay_deps video_ingest_media video_ingest_rtmp_protocol)

option(SHOPCAST_BUILD_FUZZERS "Build the libFuzzer targets (needs clang; see the fuzz preset)" OFF)
if(SHOPCAST_BUILD_FUZZERS AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(WARNING "SHOPCAST_BUILD_FUZZERS needs clang (cmake --preset fuzz); fuzzers skipped")
elseif(SHOPCAST_BUILD_FUZZERS)
  foreach(fuzzer IN LISTS VIDEO_INGEST_FUZZERS)
    list(TRANSFORM ${fuzzer}_sources PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/ OUTPUT_VARIABLE sources)
    add_executable(${fuzzer} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${fuzzer}.cc ${sources})
    target_include_directories(${fuzzer} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_link_libraries(${fuzzer} PRIVATE ${${fuzzer}_deps})
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
    add_executable(video_ingest_${fuzzer}_replay ${SHOPCAST_FUZZ_REPLAY_MAIN}
                                                 ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${fuzzer}.cc)
    target_link_libraries(video_ingest_${fuzzer}_replay PRIVATE ${${fuzzer}_replay_deps})
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
