# storage: unit tests (keys, SigV4 against AWS's published examples, S3 XML, retries, config),
# the filesystem provider on a scratch folder, and the S3 provider against the run's real
# s3rver (through a fault proxy where a test needs the network to misbehave).
set(_rl_storage_tests ${CMAKE_CURRENT_SOURCE_DIR}/tests/storage)

shopcast_test(NAME recording_lifecycle_storage_test
  SOURCES ${_rl_storage_tests}/object_key_test.cc ${_rl_storage_tests}/sigv4_test.cc
          ${_rl_storage_tests}/s3_xml_test.cc ${_rl_storage_tests}/retry_test.cc
          ${_rl_storage_tests}/s3_config_test.cc
  DEPS recording_lifecycle_storage shopcast::testing_files
  LABEL unit)

shopcast_test(NAME recording_lifecycle_filesystem_provider_test
  SOURCES ${_rl_storage_tests}/filesystem_provider_test.cc
  DEPS recording_lifecycle_storage shopcast::testing_files prometheus-cpp::core
  LABEL unit)

if(SHOPCAST_BUILD_TESTS)
  recording_lifecycle_s3_test(NAME recording_lifecycle_s3_provider_test
    SOURCES ${_rl_storage_tests}/s3_provider_test.cc
    DEPS recording_lifecycle_storage shopcast::testing_files shopcast::testing_wait
         prometheus-cpp::core absl::strings)
endif()
