# Scratch folders for tests.
add_library(shopcast_testing_files STATIC src/temp_dir.cc)
add_library(shopcast::testing_files ALIAS shopcast_testing_files)
target_include_directories(shopcast_testing_files PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
shopcast_warnings(shopcast_testing_files)

shopcast_test(NAME testing_files_test SOURCES tests/temp_dir_test.cc
  DEPS shopcast::testing_files LABEL unit)
