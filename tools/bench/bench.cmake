# Benchmarks: built with the suite, run by hand (tools/bench/README.md); never timed in CI.
add_executable(user_load ${CMAKE_CURRENT_LIST_DIR}/user_load.cc)
target_link_libraries(user_load PRIVATE shopcast::proto_user PkgConfig::SODIUM absl::flags
                                        absl::flags_parse absl::strings)
shopcast_warnings(user_load)

add_executable(framework_overhead ${CMAKE_CURRENT_LIST_DIR}/framework_overhead.cc)
target_link_libraries(framework_overhead PRIVATE user_lib absl::flags absl::flags_parse
                                                 absl::strings absl::synchronization)
shopcast_warnings(framework_overhead)
