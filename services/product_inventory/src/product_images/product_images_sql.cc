#include "product_images/product_images_sql.h"

namespace shopcast::product_inventory::product_images::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      {"pi_img_select", kSelectImages},      {"pi_img_count", kCountImages},
      {"pi_img_shift_up", kShiftUp},         {"pi_img_insert", kInsertImage},
      {"pi_img_delete", kDeleteImage},       {"pi_img_shift_down", kShiftDown},
      {"pi_img_bump_product", kBumpProduct}, {"pi_img_referenced_keys", kReferencedKeys},
  };
}

}  // namespace shopcast::product_inventory::product_images::sql
