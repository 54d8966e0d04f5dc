# Horizontal scale (issue 14 §1): two replicas of every stateless service behind the suite's
# routing, one of each SIGKILLed mid-run (tests/scale/scale_test.cc).
if(TARGET shopcast_suite_testing AND TARGET gateway)
  shopcast_test(NAME scale_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/scale_test.cc ${CMAKE_CURRENT_LIST_DIR}/scale_clients.cc
    DEPS shopcast_suite_testing shopcast::http_files_testing shopcast::proto_gateway
         shopcast::proto_order shopcast::proto_product_inventory shopcast::proto_realtime_push
         shopcast::proto_video_ingest Boost::boost
    LABEL e2e)
  if(TARGET scale_test)
    target_include_directories(scale_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  endif()
endif()
