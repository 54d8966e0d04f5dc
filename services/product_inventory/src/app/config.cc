#include "app/config.h"

#include "absl/flags/flag.h"
#include "shopcast/status/status.h"

SHOPCAST_SERVICE_FLAGS("product-inventory", "0.0.0.0:50058", "0.0.0.0:9098", "0.0.0.0:50059",
                       "EventSink, checkout RPCs");
SHOPCAST_PAGE_TOKEN_FLAG();
SHOPCAST_EVENT_SINKS_FLAG("realtime_push=…");

// ---- catalog ----
ABSL_FLAG(int64_t, price_ceiling_minor, 10'000'000,
          "highest price, starting bid or buy-now price, in minor units");
ABSL_FLAG(int, buy_now_min_premium_percent, 20,
          "a buy-now price must exceed the starting bid by at least this percentage (0..1000)");
ABSL_FLAG(double, buy_now_suggest_multiplier, 2.0,
          "SuggestBuyNowPrice suggests the starting bid times this (1..100)");

// ---- pins ----
ABSL_FLAG(int, max_pins, 3, "products pinned at once in one stream (1..20)");
// ---- auctions ----
ABSL_FLAG(absl::Duration, auction_close_interval, absl::Milliseconds(250),
          "how often the closer looks for auctions past their end (10ms..10s)");
// ---- product_images ----
ABSL_FLAG(std::string, image_root, "",
          "folder for product image renditions (content-addressed files); empty: no uploads");
ABSL_FLAG(std::string, image_url_prefix, "/images/", "rendition URL prefix (URL = prefix + key)");
ABSL_FLAG(int64_t, image_max_upload_bytes, 20 * 1024 * 1024,
          "largest product image upload, bytes (64 KiB..64 MiB)");
ABSL_FLAG(int, image_max_side, 12000, "largest declared image width or height, pixels");
ABSL_FLAG(int64_t, image_max_pixels, 50'000'000, "largest declared width x height");
ABSL_FLAG(int, image_max_per_product, 8, "images a product may have (1..50)");
ABSL_FLAG(int, image_max_concurrent, 2,
          "uploads decoded at once per replica (1..db_pool_size-1); more are refused");
ABSL_FLAG(absl::Duration, image_gc_interval, absl::Minutes(15),
          "how often unreferenced rendition files are swept (0: never; else 1s..24h)");
ABSL_FLAG(absl::Duration, image_gc_grace, absl::Hours(1),
          "a sweep leaves rendition files younger than this alone (1m..7d)");
// ---- stock ----
ABSL_FLAG(absl::Duration, stock_hold_duration, absl::Minutes(5),
          "default lifetime of a Reserve hold (1m..10m); products may set their own");
ABSL_FLAG(int, stock_batcher_workers, 2,
          "threads serving Reserve batches of different products at once (1..db_pool_size)");
ABSL_FLAG(int, stock_batcher_pipeline, 1,
          "Reserve batches of one product in flight at once (1..8): the next is sent while one "
          "commits and waits on the stock row's lock");
ABSL_FLAG(absl::Duration, stock_sweep_interval, absl::Seconds(10),
          "how often expired holds are tidied (100ms..1h)");
ABSL_FLAG(absl::Duration, stock_event_interval, absl::Milliseconds(250),
          "how often changed stock is announced to rooms, coalesced per product (50ms..10s)");
ABSL_FLAG(int64_t, stock_low_threshold, 5,
          "announce low stock when available falls to this or below (0..1000000)");
// ---- image_http ----
ABSL_FLAG(std::string, http_addr, "",
          "image origin (HTTP) listen host:port serving image_url_prefix's path; empty: off");
ABSL_FLAG(int, http_max_connections, 1000, "image origin: connections open at once (1..100000)");
// ---- lottery ----
ABSL_FLAG(absl::Duration, lottery_draw_interval, absl::Milliseconds(250),
          "how often the drawer looks for lotteries whose entry window ended (10ms..10s)");
ABSL_FLAG(absl::Duration, lottery_event_interval, absl::Milliseconds(500),
          "how often lottery entry counts are announced to rooms, coalesced (50ms..10s)");
ABSL_FLAG(int64_t, lottery_max_entrants, 50'000, "entries one lottery accepts (1..100000)");
// ---- queue ----
ABSL_FLAG(absl::Duration, queue_advance_interval, absl::Milliseconds(250),
          "how often each replica looks for freed units to offer to queues (10ms..10s)");
ABSL_FLAG(absl::Duration, queue_event_interval, absl::Milliseconds(250),
          "how often queue lengths are announced to rooms, coalesced per product (50ms..10s)");

namespace shopcast::product_inventory {

absl::StatusOr<Config> LoadConfig() {
  Config c;
  RETURN_IF_ERROR(startup::ReadServiceConfig(c));
  RETURN_IF_ERROR(startup::ReadPageTokenKeyFile(c));
  RETURN_IF_ERROR(startup::ReadEventSinks(c));

  // ---- catalog ----
  c.price_ceiling_minor = absl::GetFlag(FLAGS_price_ceiling_minor);
  c.buy_now_min_premium_percent = absl::GetFlag(FLAGS_buy_now_min_premium_percent);
  c.buy_now_suggest_multiplier = absl::GetFlag(FLAGS_buy_now_suggest_multiplier);
  if (c.price_ceiling_minor < 100 || c.price_ceiling_minor > 1'000'000'000'000) {
    return absl::InvalidArgumentError("price_ceiling_minor must be 100..10^12");
  }
  if (c.buy_now_min_premium_percent < 0 || c.buy_now_min_premium_percent > 1000) {
    return absl::InvalidArgumentError("buy_now_min_premium_percent must be 0..1000");
  }
  if (!(c.buy_now_suggest_multiplier >= 1.0 && c.buy_now_suggest_multiplier <= 100.0)) {
    return absl::InvalidArgumentError("buy_now_suggest_multiplier must be 1..100");
  }

  // ---- pins ----
  c.max_pins = absl::GetFlag(FLAGS_max_pins);
  if (c.max_pins < 1 || c.max_pins > 20) {
    return absl::InvalidArgumentError("max_pins must be 1..20");
  }
  // ---- auctions ----
  c.auction_close_interval = absl::GetFlag(FLAGS_auction_close_interval);
  if (c.auction_close_interval < absl::Milliseconds(10) ||
      c.auction_close_interval > absl::Seconds(10)) {
    return absl::InvalidArgumentError("auction_close_interval must be 10ms..10s");
  }
  // ---- product_images ----
  c.image_root = absl::GetFlag(FLAGS_image_root);
  c.image_url_prefix = absl::GetFlag(FLAGS_image_url_prefix);
  c.image_max_upload_bytes = absl::GetFlag(FLAGS_image_max_upload_bytes);
  c.image_max_side = absl::GetFlag(FLAGS_image_max_side);
  c.image_max_pixels = absl::GetFlag(FLAGS_image_max_pixels);
  c.image_max_per_product = absl::GetFlag(FLAGS_image_max_per_product);
  c.image_max_concurrent = absl::GetFlag(FLAGS_image_max_concurrent);
  if (c.image_max_upload_bytes < 64 * 1024 || c.image_max_upload_bytes > 64 * 1024 * 1024) {
    return absl::InvalidArgumentError("image_max_upload_bytes must be 64 KiB..64 MiB");
  }
  if (c.image_max_side < 16 || c.image_max_pixels < 256) {
    return absl::InvalidArgumentError("image_max_side must be >= 16 and image_max_pixels >= 256");
  }
  if (c.image_max_per_product < 1 || c.image_max_per_product > 50) {
    return absl::InvalidArgumentError("image_max_per_product must be 1..50");
  }
  if (c.image_max_concurrent < 1 || c.image_max_concurrent >= c.db_pool_size) {
    return absl::InvalidArgumentError("image_max_concurrent must be 1..db_pool_size-1");
  }
  c.image_gc_interval = absl::GetFlag(FLAGS_image_gc_interval);
  c.image_gc_grace = absl::GetFlag(FLAGS_image_gc_grace);
  if (c.image_gc_interval != absl::ZeroDuration() &&
      (c.image_gc_interval < absl::Seconds(1) || c.image_gc_interval > absl::Hours(24))) {
    return absl::InvalidArgumentError("image_gc_interval must be 0 or 1s..24h");
  }
  // Not a safety bound (the collector's protocol is safe at any age), but below a minute
  // in-flight uploads would keep writing their files twice.
  if (c.image_gc_grace < absl::Minutes(1) || c.image_gc_grace > absl::Hours(24 * 7)) {
    return absl::InvalidArgumentError("image_gc_grace must be 1m..7d");
  }
  // ---- stock ----
  c.stock_hold_duration = absl::GetFlag(FLAGS_stock_hold_duration);
  c.stock_batcher_workers = absl::GetFlag(FLAGS_stock_batcher_workers);
  c.stock_batcher_pipeline = absl::GetFlag(FLAGS_stock_batcher_pipeline);
  c.stock_sweep_interval = absl::GetFlag(FLAGS_stock_sweep_interval);
  c.stock_event_interval = absl::GetFlag(FLAGS_stock_event_interval);
  c.stock_low_threshold = absl::GetFlag(FLAGS_stock_low_threshold);
  if (c.stock_hold_duration < absl::Minutes(1) || c.stock_hold_duration > absl::Minutes(10) ||
      c.stock_hold_duration != absl::Seconds(absl::ToInt64Seconds(c.stock_hold_duration))) {
    return absl::InvalidArgumentError("stock_hold_duration must be whole seconds in 1m..10m");
  }
  if (c.stock_batcher_workers < 1 || c.stock_batcher_workers > c.db_pool_size) {
    return absl::InvalidArgumentError("stock_batcher_workers must be 1..db_pool_size");
  }
  if (c.stock_batcher_pipeline < 1 || c.stock_batcher_pipeline > 8) {
    return absl::InvalidArgumentError("stock_batcher_pipeline must be 1..8");
  }
  if (c.stock_sweep_interval < absl::Milliseconds(100) || c.stock_sweep_interval > absl::Hours(1)) {
    return absl::InvalidArgumentError("stock_sweep_interval must be 100ms..1h");
  }
  if (c.stock_event_interval < absl::Milliseconds(50) ||
      c.stock_event_interval > absl::Seconds(10)) {
    return absl::InvalidArgumentError("stock_event_interval must be 50ms..10s");
  }
  if (c.stock_low_threshold < 0 || c.stock_low_threshold > 1'000'000) {
    return absl::InvalidArgumentError("stock_low_threshold must be 0..1000000");
  }
  // ---- image_http ----
  c.http_addr = absl::GetFlag(FLAGS_http_addr);
  c.http_max_connections = absl::GetFlag(FLAGS_http_max_connections);
  if (!c.http_addr.empty() && c.image_root.empty()) {
    return absl::InvalidArgumentError("http_addr serves image_root's renditions: set image_root");
  }
  if (c.http_max_connections < 1 || c.http_max_connections > 100'000) {
    return absl::InvalidArgumentError("http_max_connections must be 1..100000");
  }
  // ---- lottery ----
  c.lottery_draw_interval = absl::GetFlag(FLAGS_lottery_draw_interval);
  c.lottery_event_interval = absl::GetFlag(FLAGS_lottery_event_interval);
  c.lottery_max_entrants = absl::GetFlag(FLAGS_lottery_max_entrants);
  if (c.lottery_draw_interval < absl::Milliseconds(10) ||
      c.lottery_draw_interval > absl::Seconds(10)) {
    return absl::InvalidArgumentError("lottery_draw_interval must be 10ms..10s");
  }
  if (c.lottery_event_interval < absl::Milliseconds(50) ||
      c.lottery_event_interval > absl::Seconds(10)) {
    return absl::InvalidArgumentError("lottery_event_interval must be 50ms..10s");
  }
  if (c.lottery_max_entrants < 1 || c.lottery_max_entrants > 100'000) {
    return absl::InvalidArgumentError("lottery_max_entrants must be 1..100000");
  }
  // ---- queue ----
  c.queue_advance_interval = absl::GetFlag(FLAGS_queue_advance_interval);
  c.queue_event_interval = absl::GetFlag(FLAGS_queue_event_interval);
  if (c.queue_advance_interval < absl::Milliseconds(10) ||
      c.queue_advance_interval > absl::Seconds(10)) {
    return absl::InvalidArgumentError("queue_advance_interval must be 10ms..10s");
  }
  if (c.queue_event_interval < absl::Milliseconds(50) ||
      c.queue_event_interval > absl::Seconds(10)) {
    return absl::InvalidArgumentError("queue_event_interval must be 50ms..10s");
  }
  return c;
}

}  // namespace shopcast::product_inventory
