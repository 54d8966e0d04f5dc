#include "images/vips_runtime.h"

#include <vips/vips.h>

#include <mutex>

#include "absl/strings/str_cat.h"

namespace shopcast::product_inventory::images {
namespace {

// libvips warns on stderr about what it finds inside uploads ("not enough data", "error in
// tile"); the caller already gets a Status for each, and unstructured lines would break the
// one-JSON-object-per-line logs.
void DropLog(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

absl::Status Start(const VipsSettings& settings) {
  if (VIPS_INIT("shopcast-product-inventory") != 0) {
    absl::Status s =
        absl::InternalError(absl::StrCat("libvips failed to start: ", vips_error_buffer()));
    vips_error_clear();
    return s;
  }
  g_log_set_handler("VIPS",
                    static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
                                                G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG),
                    DropLog, nullptr);
  vips_cache_set_max(0);
  vips_cache_set_max_mem(0);
  vips_cache_set_max_files(0);
  vips_concurrency_set(settings.threads_per_image < 1 ? 1 : settings.threads_per_image);
  // Every loader off, then back on for the three formats accepted; a block on a class covers
  // its subclasses (the _buffer, _source and _file variants).
  vips_block_untrusted_set(TRUE);
  vips_operation_block_set("VipsForeignLoad", TRUE);
  vips_operation_block_set("VipsForeignLoadJpeg", FALSE);
  vips_operation_block_set("VipsForeignLoadPng", FALSE);
  vips_operation_block_set("VipsForeignLoadWebp", FALSE);
  return absl::OkStatus();
}

}  // namespace

absl::Status StartVips(const VipsSettings& settings) {
  // The one process-wide start, as libvips requires; see the header.
  static std::once_flag once;
  static absl::Status* result = nullptr;
  std::call_once(once, [&] { result = new absl::Status(Start(settings)); });
  return *result;
}

}  // namespace shopcast::product_inventory::images
