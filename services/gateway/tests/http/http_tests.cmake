# The HTTP server with stub areas (real loopback sockets), its pure rules, the web files.
shopcast_test(NAME gateway_http_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/http/server_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/http/request_rules_test.cc
  DEPS gateway_http shopcast::http_files_testing shopcast::testing_wait prometheus-cpp::core
  LABEL unit)

shopcast_test(NAME gateway_web_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/http/web_files_test.cc
  DEPS gateway_web shopcast::http_files_testing shopcast::testing_files
  LABEL unit)

# TLS with tools/dev-pki's certificates (a child process makes them) and the WebSocket handover.
shopcast_test(NAME gateway_http_tls_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/http/tls_websocket_test.cc
  DEPS gateway_http shopcast::auth_testing shopcast::http_files_testing shopcast::testing_files
       shopcast::testing_wait prometheus-cpp::core
  LABEL integration)
