#include "catalog/catalog_sql.h"

namespace shopcast::product_inventory::catalog::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      {"pi_cat_insert_type", kInsertType},
      {"pi_cat_insert_type_version", kInsertTypeVersion},
      {"pi_cat_select_type", kSelectType},
      {"pi_cat_lock_type", kLockType},
      {"pi_cat_update_type", kUpdateType},
      {"pi_cat_archive_type", kArchiveType},
      {"pi_cat_list_types", kListTypes},
      {"pi_cat_insert_profile", kInsertProfile},
      {"pi_cat_select_profile", kSelectProfile},
      {"pi_cat_lock_profile", kLockProfile},
      {"pi_cat_update_profile", kUpdateProfile},
      {"pi_cat_delete_profile", kDeleteProfile},
      {"pi_cat_profile_in_use", kProfileInUse},
      {"pi_cat_list_profiles", kListProfiles},
      {"pi_cat_product_by_key", kSelectProductByKey},
      {"pi_cat_insert_product", kInsertProduct},
      {"pi_cat_select_product", kSelectProduct},
      {"pi_cat_lock_product", kLockProduct},
      {"pi_cat_update_product", kUpdateProduct},
      {"pi_cat_list_stream_products", kListStreamProducts},
      {"pi_cat_list_my_products", kListMyProducts},
      {"pi_cat_open_auctions", kOpenAuctions},
      {"pi_cat_queues", kQueues},
  };
}

}  // namespace shopcast::product_inventory::catalog::sql
