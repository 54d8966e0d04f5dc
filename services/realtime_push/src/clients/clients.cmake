# clients: typed wrappers over peer services' RPCs, with deadlines and status mapping. The
# user service's followers (FollowerSource) feed the go-live fan-out; its contacts
# (ContactSource) the notifications about a user's own orders and sales.
add_library(realtime_push_clients STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/clients/user_contacts.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/clients/user_followers.cc)
target_include_directories(realtime_push_clients PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(realtime_push_clients PUBLIC
  shopcast::proto_user shopcast::clients shopcast::status gRPC::grpc++ absl::status
  absl::statusor absl::strings absl::time)
shopcast_warnings(realtime_push_clients)

if(SHOPCAST_BUILD_TESTS)
  # Against a real user service (services/user's test fixture: in-process, its own database,
  # its internal listener with dev service certificates).
  shopcast_test(NAME realtime_push_clients_pgtest
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/clients/user_followers_pgtest.cc
    DEPS realtime_push_clients user_test_fixture shopcast::auth_testing shopcast::testing_files
    LABEL pg)
endif()
