#include "product_images/rendition_references.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shopcast/db/transaction.h"

namespace shopcast::product_inventory::product_images {

absl::StatusOr<absl::flat_hash_set<std::string>> PgRenditionReferences::Referenced(
    const std::vector<std::string>& keys) {
  absl::flat_hash_set<std::string> out;
  std::vector<std::string> valid;
  // Only well-formed keys reach the array literal, so no quoting is needed: a key is hex digits,
  // a dot and letters.
  for (const std::string& k : keys) {
    if (images::ParseRenditionKey(k).ok()) valid.push_back(k);
  }
  if (valid.empty()) return out;
  const std::string array = absl::StrCat("{", absl::StrJoin(valid, ","), "}");
  RETURN_IF_ERROR(db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    out.clear();  // a retried transaction starts over
    for (const pqxx::row& row : tx.exec_prepared("pi_img_referenced_keys", array)) {
      out.insert(row[0].as<std::string>());
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace shopcast::product_inventory::product_images
