#include "common/scratch_db.h"

#include <cstdio>
#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "shopcast/ids/ids.h"

namespace shopcast::bench {

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

std::string Settings(const std::string& admin_dsn) {
  pqxx::connection c(admin_dsn);
  pqxx::nontransaction tx(c);
  return absl::StrCat("server ", tx.exec("SHOW server_version")[0][0].c_str(),
                      "; synchronous_commit=", tx.exec("SHOW synchronous_commit")[0][0].c_str(),
                      " fsync=", tx.exec("SHOW fsync")[0][0].c_str(),
                      " wal_sync_method=", tx.exec("SHOW wal_sync_method")[0][0].c_str());
}

}  // namespace shopcast::bench
