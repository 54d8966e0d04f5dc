# Waiting for conditions and for other threads, without fixed sleeps.
add_library(shopcast_testing_wait STATIC src/wait.cc)
add_library(shopcast::testing_wait ALIAS shopcast_testing_wait)
target_include_directories(shopcast_testing_wait PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(shopcast_testing_wait PUBLIC absl::time)
shopcast_warnings(shopcast_testing_wait)

shopcast_test(NAME testing_wait_test SOURCES tests/wait_test.cc
  DEPS shopcast::testing_wait Threads::Threads LABEL unit)
