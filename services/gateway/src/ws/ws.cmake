# ws: the WebSocket hub (/ws/v1, /ws/streams/<id>): frames, rooms fanned out from one upstream
# realtime-push Subscribe per room, sockets with bounded send queues.
# Included from services/gateway/CMakeLists.txt, so paths are relative to that folder.

# The frame reader/writer and RFC 6455's wire format (src/ws/wire.cc) alone (pure; what the
# fuzzers drive).
add_library(gateway_ws_frames STATIC ${CMAKE_CURRENT_SOURCE_DIR}/src/ws/frames.cc
                                     ${CMAKE_CURRENT_SOURCE_DIR}/src/ws/wire.cc)
target_include_directories(gateway_ws_frames PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(gateway_ws_frames
  PUBLIC shopcast::proto_gateway gRPC::grpc++ absl::status absl::statusor absl::strings
  PRIVATE shopcast::proto_rpc_status shopcast::ids shopcast::status OpenSSL::Crypto)
shopcast_warnings(gateway_ws_frames)

add_library(gateway_ws STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/ws/hub.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/ws/lean_transport.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/ws/rooms.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/ws/session.cc)
target_include_directories(gateway_ws PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(gateway_ws
  PUBLIC gateway_contracts gateway_ws_frames shopcast::proto_realtime_push gRPC::grpc++
         prometheus-cpp::core absl::synchronization absl::flat_hash_map OpenSSL::SSL
  PRIVATE shopcast::ids shopcast::log shopcast::status shopcast::timing)
shopcast_warnings(gateway_ws)

# The client-frame reader as a libFuzzer target (src/ws/frame_fuzz.cc): built with clang by the
# fuzz preset; in the normal build replayed over its seed corpus (gateway_ws_frame_fuzz_replay).
if(SHOPCAST_BUILD_FUZZERS AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  add_executable(gateway_ws_frame_fuzz ${CMAKE_CURRENT_SOURCE_DIR}/src/ws/frame_fuzz.cc
                                       ${CMAKE_CURRENT_SOURCE_DIR}/src/ws/frames.cc)
  target_include_directories(gateway_ws_frame_fuzz PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(gateway_ws_frame_fuzz PRIVATE
    shopcast::proto_gateway shopcast::proto_rpc_status gRPC::grpc++ shopcast::ids
    shopcast::status absl::strings)
  target_compile_options(gateway_ws_frame_fuzz PRIVATE -fsanitize=fuzzer,address,undefined
                                                       -fno-sanitize-recover=undefined
                                                       -fno-omit-frame-pointer)
  target_link_options(gateway_ws_frame_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  shopcast_warnings(gateway_ws_frame_fuzz)
endif()
if(SHOPCAST_BUILD_TESTS)
  add_executable(gateway_ws_frame_fuzz_replay ${SHOPCAST_FUZZ_REPLAY_MAIN}
                                              ${CMAKE_CURRENT_SOURCE_DIR}/src/ws/frame_fuzz.cc)
  target_link_libraries(gateway_ws_frame_fuzz_replay PRIVATE gateway_ws_frames)
  shopcast_warnings(gateway_ws_frame_fuzz_replay)
  add_test(NAME gateway_ws_frame_fuzz_replay
           COMMAND gateway_ws_frame_fuzz_replay ${CMAKE_CURRENT_SOURCE_DIR}/src/ws/fuzz_corpus)
  set_tests_properties(gateway_ws_frame_fuzz_replay PROPERTIES LABELS unit)
endif()

# The RFC 6455 client-frame reader as a libFuzzer target (src/ws/wire_fuzz.cc): the bytes fed in
# chunks the input chooses; replayed over src/ws/wire_fuzz_corpus in the normal build
# (gateway_ws_wire_fuzz_replay).
if(SHOPCAST_BUILD_FUZZERS AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  add_executable(gateway_ws_wire_fuzz ${CMAKE_CURRENT_SOURCE_DIR}/src/ws/wire_fuzz.cc
                                      ${CMAKE_CURRENT_SOURCE_DIR}/src/ws/wire.cc)
  target_include_directories(gateway_ws_wire_fuzz PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(gateway_ws_wire_fuzz PRIVATE OpenSSL::Crypto absl::strings)
  target_compile_options(gateway_ws_wire_fuzz PRIVATE -fsanitize=fuzzer,address,undefined
                                                      -fno-sanitize-recover=undefined
                                                      -fno-omit-frame-pointer)
  target_link_options(gateway_ws_wire_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  shopcast_warnings(gateway_ws_wire_fuzz)
endif()
if(SHOPCAST_BUILD_TESTS)
  add_executable(gateway_ws_wire_fuzz_replay ${SHOPCAST_FUZZ_REPLAY_MAIN}
                                             ${CMAKE_CURRENT_SOURCE_DIR}/src/ws/wire_fuzz.cc)
  target_link_libraries(gateway_ws_wire_fuzz_replay PRIVATE gateway_ws_frames)
  shopcast_warnings(gateway_ws_wire_fuzz_replay)
  add_test(NAME gateway_ws_wire_fuzz_replay
           COMMAND gateway_ws_wire_fuzz_replay ${CMAKE_CURRENT_SOURCE_DIR}/src/ws/wire_fuzz_corpus)
  set_tests_properties(gateway_ws_wire_fuzz_replay PROPERTIES LABELS unit)
endif()
