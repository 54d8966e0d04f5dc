# libFuzzer target for what the storage layer takes from outside: the object store's XML answers
# and object keys. Built with clang by the fuzz preset (cmake --preset fuzz); in the normal build
# replayed over its seed corpus instead.
if(SHOPCAST_BUILD_FUZZERS AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  find_package(LibXml2 REQUIRED)
  # The code under test is compiled in so it carries the coverage instrumentation.
  add_executable(recording_lifecycle_storage_input_fuzz
    ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/storage_input_fuzz.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/storage/s3_xml.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/storage/object_key.cc)
  target_include_directories(recording_lifecycle_storage_input_fuzz PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(recording_lifecycle_storage_input_fuzz PRIVATE
    shopcast::status LibXml2::LibXml2 absl::strings absl::status absl::statusor)
  target_compile_options(recording_lifecycle_storage_input_fuzz PRIVATE
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(recording_lifecycle_storage_input_fuzz PRIVATE
    -fsanitize=fuzzer,address,undefined)
  shopcast_warnings(recording_lifecycle_storage_input_fuzz)
endif()
if(SHOPCAST_BUILD_TESTS)
  add_executable(recording_lifecycle_storage_input_fuzz_replay ${SHOPCAST_FUZZ_REPLAY_MAIN}
                 ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/storage_input_fuzz.cc)
  target_link_libraries(recording_lifecycle_storage_input_fuzz_replay PRIVATE
    recording_lifecycle_storage)
  shopcast_warnings(recording_lifecycle_storage_input_fuzz_replay)
  add_test(NAME recording_lifecycle_storage_input_fuzz_replay
           COMMAND recording_lifecycle_storage_input_fuzz_replay
                   ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/storage_input_fuzz)
  set_tests_properties(recording_lifecycle_storage_input_fuzz_replay PROPERTIES LABELS unit)
endif()

# The VOD origin's inputs (targets, tokens, titles made playlist-safe): fuzz/vod_request_fuzz.cc.
if(SHOPCAST_BUILD_FUZZERS AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  add_executable(recording_lifecycle_vod_request_fuzz
    ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/vod_request_fuzz.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/playback/vod_playlist.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/playback/vod_target.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/playback/vod_token.cc)
  target_include_directories(recording_lifecycle_vod_request_fuzz PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(recording_lifecycle_vod_request_fuzz PRIVATE
    shopcast::ids shopcast::signed_token shopcast::status PkgConfig::SODIUM absl::strings
    absl::str_format absl::time
    absl::status absl::statusor)
  target_compile_options(recording_lifecycle_vod_request_fuzz PRIVATE
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(recording_lifecycle_vod_request_fuzz PRIVATE
    -fsanitize=fuzzer,address,undefined)
  shopcast_warnings(recording_lifecycle_vod_request_fuzz)
endif()
if(SHOPCAST_BUILD_TESTS)
  add_executable(recording_lifecycle_vod_request_fuzz_replay ${SHOPCAST_FUZZ_REPLAY_MAIN}
                 ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/vod_request_fuzz.cc)
  target_link_libraries(recording_lifecycle_vod_request_fuzz_replay PRIVATE
    recording_lifecycle_playback_core shopcast::ids)
  shopcast_warnings(recording_lifecycle_vod_request_fuzz_replay)
  add_test(NAME recording_lifecycle_vod_request_fuzz_replay
           COMMAND recording_lifecycle_vod_request_fuzz_replay
                   ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/vod_request_fuzz)
  set_tests_properties(recording_lifecycle_vod_request_fuzz_replay PROPERTIES LABELS unit)
endif()
