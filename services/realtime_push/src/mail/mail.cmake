# mail: e-mail notifications over SMTP with libcurl. The message text (mail_format) is pure and
# unit-tested; SmtpMailer is tested against a real SMTP server (Debian's python3-aiosmtpd).
# Included from services/realtime_push/CMakeLists.txt, so paths are relative to that folder.

find_package(CURL REQUIRED)

add_library(realtime_push_mail STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/mail/mail_format.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/mail/smtp_mailer.cc)
target_include_directories(realtime_push_mail PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(realtime_push_mail
  PUBLIC absl::status absl::statusor absl::strings absl::time
  PRIVATE CURL::libcurl absl::str_format shopcast::log shopcast::status)
shopcast_warnings(realtime_push_mail)

shopcast_test(NAME realtime_push_mail_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/mail/mail_format_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/mail/smtp_options_test.cc
  DEPS realtime_push_mail CURL::libcurl shopcast::status shopcast::testing_files
  LABEL unit)

if(SHOPCAST_BUILD_TESTS)
  # A real SMTP server in a child process, for any realtime-push test that sends mail. It runs
  # under Debian's interpreter, where python3-aiosmtpd is installed (a python3 earlier on PATH,
  # e.g. pyenv's, would not have it).
  set(REALTIME_PUSH_TEST_PYTHON /usr/bin/python3 CACHE FILEPATH
      "Python 3 with the aiosmtpd module, for realtime-push's SMTP test server")
  add_library(realtime_push_smtp_test_server STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/smtp_server.cc)
  target_include_directories(realtime_push_smtp_test_server PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  target_compile_definitions(realtime_push_smtp_test_server PRIVATE
    REALTIME_PUSH_TEST_PYTHON="${REALTIME_PUSH_TEST_PYTHON}"
    REALTIME_PUSH_SMTP_SERVER_SCRIPT="${CMAKE_CURRENT_SOURCE_DIR}/tests/support/smtp_server.py")
  target_link_libraries(realtime_push_smtp_test_server
    PUBLIC absl::time
    PRIVATE shopcast::testing_files shopcast::testing_wait nlohmann_json::nlohmann_json)
  shopcast_warnings(realtime_push_smtp_test_server)
endif()

shopcast_test(NAME realtime_push_smtp_mailer_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/mail/smtp_mailer_test.cc
  DEPS realtime_push_mail realtime_push_smtp_test_server shopcast::status absl::time
  LABEL integration)
