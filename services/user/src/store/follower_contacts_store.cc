// The user store's side of go-live notifications: a host's followers with their contact
// details and preferences, paged by follower id; and any users' own contacts.
#include <pqxx/pqxx>
#include <string>

#include "absl/strings/str_join.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "store/user_store.h"

namespace shopcast::user {
namespace {

FollowerContact ContactOf(const pqxx::row& row) {
  FollowerContact c;
  c.user_id = row[0].as<std::string>();
  c.display_name = row[1].as<std::string>();
  c.email = row[2].as<std::string>();
  c.preferences =
      Preferences{row[3].as<bool>(), row[4].as<bool>(), row[5].as<bool>(), row[6].as<bool>()};
  return c;
}

}  // namespace

absl::StatusOr<std::vector<FollowerContact>> UserStore::ListFollowerContacts(
    absl::string_view host_id, absl::string_view after_user_id, int limit) {
  return db::InTransaction(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<FollowerContact>> {
        std::vector<FollowerContact> out;
        pqxx::result r = tx.exec_prepared("list_follower_contacts", std::string(host_id),
                                          std::string(after_user_id), limit);
        out.reserve(r.size());
        for (const pqxx::row& row : r) out.push_back(ContactOf(row));
        return out;
      });
}

absl::StatusOr<std::vector<FollowerContact>> UserStore::GetUserContacts(
    const std::vector<std::string>& user_ids) {
  const std::string array = db::TextArray(user_ids);
  return db::InTransaction(pool_,
                           [&](pqxx::work& tx) -> absl::StatusOr<std::vector<FollowerContact>> {
                             std::vector<FollowerContact> out;
                             pqxx::result r = tx.exec_prepared("get_user_contacts", array);
                             out.reserve(r.size());
                             for (const pqxx::row& row : r) out.push_back(ContactOf(row));
                             return out;
                           });
}

}  // namespace shopcast::user
