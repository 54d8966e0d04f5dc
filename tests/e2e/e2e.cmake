# The whole show end to end (tests/e2e/show_test.cc): the suite's real processes, ffmpeg over
# RTMP, a crowd of WebSocket viewers through the gateway, ffprobe on the VOD, the frame at a
# sale's marker read back through recording-lifecycle's frame proof. Label e2e.
if(TARGET shopcast_suite_testing AND TARGET video_ingest_e2e_fixture AND TARGET gateway)
  add_library(shopcast_e2e_ws_crowd STATIC ${CMAKE_CURRENT_LIST_DIR}/ws_crowd.cc)
  target_include_directories(shopcast_e2e_ws_crowd PUBLIC ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(shopcast_e2e_ws_crowd PUBLIC
    shopcast::proto_gateway Boost::headers absl::synchronization absl::strings absl::time
    Threads::Threads)
  shopcast_warnings(shopcast_e2e_ws_crowd)

  shopcast_test(NAME e2e_show_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/show_test.cc
    DEPS shopcast_suite_testing shopcast_e2e_ws_crowd video_ingest_e2e_fixture
         recording_lifecycle_frame_proof
         shopcast::proto_user shopcast::proto_video_ingest shopcast::proto_product_inventory
         shopcast::proto_order shopcast::proto_realtime_push shopcast::proto_recording_lifecycle
         shopcast::ids shopcast::testing_wait shopcast::testing_net absl::synchronization
    LABEL e2e)
  target_include_directories(e2e_show_test PRIVATE
    ${PROJECT_SOURCE_DIR}/services/video_ingest/tests/e2e)
endif()
