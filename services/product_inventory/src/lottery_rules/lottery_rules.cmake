# lottery_rules: the lottery's draw as a pure function of (seed, entrants, units) — commitment,
# entrant digest, HMAC-SHA256 word stream, unbiased partial Fisher-Yates — so a draw can be
# recomputed by anyone (verify_draw.py is the independent reference). No database, no gRPC.
add_library(pi_lottery_rules STATIC ${CMAKE_CURRENT_SOURCE_DIR}/src/lottery_rules/draw.cc)
target_include_directories(pi_lottery_rules PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(pi_lottery_rules PUBLIC
  absl::status absl::statusor absl::strings PkgConfig::SODIUM)
shopcast_warnings(pi_lottery_rules)
