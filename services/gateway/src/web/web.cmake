# The web app's built files, served from memory.
add_library(gateway_web STATIC ${CMAKE_CURRENT_SOURCE_DIR}/src/web/web_files.cc)
target_link_libraries(gateway_web PUBLIC
  gateway_contracts shopcast::log OpenSSL::Crypto absl::strings absl::status absl::statusor)
shopcast_warnings(gateway_web)
