# Helpers for tests that talk to running services (HTTP scrape, health, child processes).
add_library(shopcast_testing_net STATIC src/net.cc src/process.cc)
add_library(shopcast::testing_net ALIAS shopcast_testing_net)
target_include_directories(shopcast_testing_net PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(shopcast_testing_net PUBLIC shopcast::proto_health shopcast::testing_wait
  gRPC::grpc++ Boost::boost nlohmann_json::nlohmann_json absl::strings absl::time)
shopcast_warnings(shopcast_testing_net)
