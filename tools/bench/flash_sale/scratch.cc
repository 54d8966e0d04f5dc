#include "scratch.h"

#include <cstdio>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "shopcast/ids/ids.h"

namespace shopcast::bench::flash_sale {

ScratchDb::ScratchDb(const std::string& admin_dsn)
    : admin_dsn_(admin_dsn), name_(absl::AsciiStrToLower(ids::NewId("fsb"))) {
  pqxx::connection c(admin_dsn_);
  pqxx::nontransaction(c).exec0("CREATE DATABASE " + name_);
  dsn_ = absl::StrCat(admin_dsn_, " dbname=", name_);
}

ScratchDb::~ScratchDb() {
  try {
    pqxx::connection c(admin_dsn_);
    pqxx::nontransaction(c).exec0("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drop %s: %s\n", name_.c_str(), e.what());
  }
}

void Checkpoint(const std::string& admin_dsn) {
  pqxx::connection c(admin_dsn);
  pqxx::nontransaction(c).exec0("CHECKPOINT");
}

AuditResult Audit(const std::string& dsn) {
  pqxx::connection c(dsn);
  pqxx::work tx(c);
  const pqxx::result r = tx.exec(R"~(
WITH h AS (
  SELECT product_id,
         coalesce(sum(quantity) FILTER (WHERE state = 'active'), 0) AS active,
         coalesce(sum(quantity) FILTER (WHERE state = 'committed'), 0) AS committed,
         count(*) AS n
  FROM holds GROUP BY product_id)
SELECT coalesce(sum(greatest(coalesce(h.active, 0) + coalesce(h.committed, 0) - s.total, 0)), 0),
       count(*) FILTER (WHERE s.held <> coalesce(h.active, 0)
                           OR s.sold <> coalesce(h.committed, 0)
                           OR s.held + s.sold > s.total),
       coalesce(sum(h.n), 0),
       coalesce(sum(h.active), 0)
FROM stock s LEFT JOIN h USING (product_id))~");
  AuditResult out;
  out.oversold = r[0][0].as<int64_t>();
  out.invariant = r[0][1].as<int64_t>() == 0;
  out.holds = r[0][2].as<int64_t>();
  out.held_units = r[0][3].as<int64_t>();
  return out;
}

std::string Settings(const std::string& admin_dsn) {
  pqxx::connection c(admin_dsn);
  pqxx::nontransaction tx(c);
  return absl::StrCat("server ", tx.exec("SHOW server_version")[0][0].c_str(),
                      "; synchronous_commit=", tx.exec("SHOW synchronous_commit")[0][0].c_str(),
                      " fsync=", tx.exec("SHOW fsync")[0][0].c_str(),
                      " wal_sync_method=", tx.exec("SHOW wal_sync_method")[0][0].c_str());
}

}  // namespace shopcast::bench::flash_sale
