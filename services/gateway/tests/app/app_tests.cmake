# The configuration and the client config it describes.
shopcast_test(NAME gateway_config_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/app/config_test.cc
  DEPS gateway_app LABEL unit)
