# payments: the payment-provider interface the checkout saga talks to (provider.h) and the
# built-in simulated provider with its ledger in the order database (migrations/V002). A library
# with a plain C++ API; the App links `order_payments` and adds
# SimulatedProvider::PreparedStatements() to its pool's prepared list.
# Paths are relative to this file, so the fragment works wherever it is included from.
set(_order_payments_dir ${CMAKE_CURRENT_LIST_DIR})
add_library(order_payments STATIC
  ${_order_payments_dir}/payments_sql.cc
  ${_order_payments_dir}/provider.cc
  ${_order_payments_dir}/simulated_provider.cc
  ${_order_payments_dir}/test_tokens.cc
  ${_order_payments_dir}/validation.cc)
target_include_directories(order_payments PUBLIC ${_order_payments_dir}/..)
target_link_libraries(order_payments PUBLIC
  shopcast::db shopcast::ids shopcast::log shopcast::status
  absl::status absl::statusor absl::strings absl::time)
shopcast_warnings(order_payments)

# The ledger's migration alone, for tests that run the provider without the rest of the
# schema (tests/payments).
cmake_path(SET _order_payments_ledger NORMALIZE
           ${_order_payments_dir}/../../migrations/V002__payment_ledger.sql)
set(ORDER_PAYMENTS_MIGRATIONS ${_order_payments_ledger}
    CACHE INTERNAL "the simulated payment provider's migrations")
