#include "payments_fixture.h"

#include <pqxx/result>
#include <pqxx/transaction>
#include <stdexcept>
#include <utility>

#include "shopcast/db/migrations.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"

namespace shopcast::db::embedded {
const MigrationSet& order_payments_testsMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::order::payments::testing {

PaymentsFixture::PaymentsFixture(SimulatedProviderOptions options, int pool_size)
    : db_(shopcast::testing::TestDatabase::Create()) {
  absl::Status migrated =
      db::ApplyMigrations(db_.dsn(), {&db::embedded::order_payments_testsMigrations()});
  if (!migrated.ok()) throw std::runtime_error("migrations: " + migrated.ToString());
  auto pool =
      db::Pool::Create(db::PoolOptions{db_.dsn(), pool_size, absl::Seconds(30),
                                       SimulatedProvider::PreparedStatements(), "order-pay-test"});
  if (!pool.ok()) throw std::runtime_error("pool: " + pool.status().ToString());
  pool_ = *std::move(pool);
  provider_ = std::make_unique<SimulatedProvider>(*pool_, std::move(options));
}

PaymentsFixture::~PaymentsFixture() {
  provider_.reset();
  pool_.reset();
}

AuthorizeRequest PaymentsFixture::Request(const std::string& token, int64_t amount_minor,
                                          const std::string& currency) {
  AuthorizeRequest r;
  r.payment_id = ids::NewId("pay");
  r.order_id = ids::NewId("ord");
  r.buyer_id = ids::NewId("usr");
  r.amount_minor = amount_minor;
  r.currency = currency;
  r.method_token = token;
  return r;
}

template <typename... Args>
int64_t PaymentsFixture::Count(const std::string& sql, const Args&... args) {
  auto n = db::InTransaction(*pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    return tx.exec_params(sql, args...)[0][0].template as<int64_t>();
  });
  if (!n.ok()) throw std::runtime_error("count: " + n.status().ToString());
  return *n;
}

int64_t PaymentsFixture::PaymentRows(const std::string& payment_id) {
  return Count("SELECT count(*) FROM provider_payments WHERE payment_id = $1", payment_id);
}

int64_t PaymentsFixture::Entries(const std::string& payment_id, const std::string& kind) {
  return Count(
      "SELECT count(*) FROM provider_ledger_entries WHERE payment_id = $1 AND ($2 = '' OR kind = "
      "$2::text)",
      payment_id, kind);
}

int64_t PaymentsFixture::EntrySum(const std::string& payment_id, const std::string& kind) {
  return Count(
      "SELECT coalesce(sum(amount_minor), 0)::bigint FROM provider_ledger_entries "
      "WHERE payment_id = $1 AND kind = $2",
      payment_id, kind);
}

std::map<std::string, PaymentSums> PaymentsFixture::SumsByCurrency() {
  std::map<std::string, PaymentSums> sums;
  absl::Status s = db::InTransaction(*pool_, [&](pqxx::work& tx) -> absl::Status {
    for (const auto& row : tx.exec(R"~(
SELECT currency, sum(captured_minor)::bigint, sum(refunded_minor)::bigint,
       count(*) FILTER (WHERE captured_minor > 0)
FROM provider_payments WHERE NOT tombstone GROUP BY currency)~")) {
      sums[row[0].as<std::string>()] =
          PaymentSums{row[1].as<int64_t>(), row[2].as<int64_t>(), row[3].as<int64_t>()};
    }
    return absl::OkStatus();
  });
  if (!s.ok()) throw std::runtime_error("sums: " + s.ToString());
  return sums;
}

}  // namespace shopcast::order::payments::testing
