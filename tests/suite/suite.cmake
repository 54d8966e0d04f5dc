# The whole suite as real processes (tests/suite/suite.h), for end-to-end and browser tests.
if(SHOPCAST_BUILD_TESTS)
  add_library(shopcast_suite_testing STATIC ${CMAKE_CURRENT_LIST_DIR}/suite.cc
    ${CMAKE_CURRENT_LIST_DIR}/catalog.cc)
  target_include_directories(shopcast_suite_testing PUBLIC ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(shopcast_suite_testing PUBLIC
    shopcast::testing_pg shopcast::testing_net shopcast::testing_files shopcast::testing_wait
    shopcast::auth shopcast::auth_testing shopcast::ids shopcast::proto_user
    shopcast::proto_product_inventory gRPC::grpc++)
  shopcast_warnings(shopcast_suite_testing)
  target_compile_definitions(shopcast_suite_testing PUBLIC
    SHOPCAST_SUITE_USER_BIN="$<TARGET_FILE:user>"
    SHOPCAST_SUITE_REALTIME_PUSH_BIN="$<TARGET_FILE:realtime-push>"
    SHOPCAST_SUITE_PRODUCT_INVENTORY_BIN="$<TARGET_FILE:product-inventory>"
    SHOPCAST_SUITE_VIDEO_INGEST_BIN="$<TARGET_FILE:video-ingest>"
    SHOPCAST_SUITE_ORDER_BIN="$<TARGET_FILE:order>"
    SHOPCAST_SUITE_RECORDING_LIFECYCLE_BIN="$<TARGET_FILE:recording-lifecycle>")
  add_dependencies(shopcast_suite_testing user realtime-push product-inventory video-ingest order
                   recording-lifecycle)
  if(TARGET gateway)
    target_compile_definitions(shopcast_suite_testing PUBLIC
      SHOPCAST_SUITE_GATEWAY_BIN="$<TARGET_FILE:gateway>")
    add_dependencies(shopcast_suite_testing gateway)
  endif()
endif()
