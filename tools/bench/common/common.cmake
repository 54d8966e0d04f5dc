# What the benchmarks share (tools/bench/README.md): included from bench.cmake before them.
# Headers are included as "common/<file>.h".
set(_bench_common ${CMAKE_CURRENT_LIST_DIR})

# Database and process plumbing: latency percentiles, CPU time from /proc, scratch databases.
add_library(bench_common STATIC ${_bench_common}/latency.cc ${_bench_common}/proc_cpu.cc
                                ${_bench_common}/scratch_db.cc)
target_include_directories(bench_common PUBLIC ${_bench_common}/..)
target_link_libraries(bench_common PUBLIC PkgConfig::PQXX shopcast::ids absl::strings)
shopcast_warnings(bench_common)

# Running services as the benchmarks drive them: tokens, channels, the product-inventory
# process and its catalogue, Prometheus scrapes. Needs the test helpers (child processes, HTTP).
if(TARGET shopcast::testing_net)
  add_library(bench_services STATIC ${_bench_common}/tokens.cc ${_bench_common}/channels.cc
                                    ${_bench_common}/pi_process.cc
                                    ${_bench_common}/catalog_setup.cc
                                    ${_bench_common}/metrics_scrape.cc)
  target_link_libraries(bench_services PUBLIC bench_common shopcast::proto_product_inventory
                                              shopcast::auth shopcast::testing_net
                                              absl::strings absl::time)
  shopcast_warnings(bench_services)
endif()
