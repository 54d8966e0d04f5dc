#pragma once

// product-inventory's configuration, from flags with SHOPCAST_PRODUCT_INVENTORY_* environment
// fallback.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shopcast/startup/service_config.h"

namespace shopcast::product_inventory {

// The shared settings (listeners, TLS, database, tokens, revocations, page tokens, event sinks,
// shutdown, logging) come from startup::ServiceConfig; the areas' own follow. Event sinks:
// "realtime_push" gets room events through its Publish, the others through their EventSink.
struct Config : startup::ServiceConfig {
  // ---- catalog ----
  // Highest price, starting bid or buy-now price in minor units, any currency.
  int64_t price_ceiling_minor = 10'000'000;
  // A buy-now price must be at least this much above the starting bid (percent).
  int buy_now_min_premium_percent = 20;
  // SuggestBuyNowPrice: starting bid x this.
  double buy_now_suggest_multiplier = 2.0;

  // ---- pins ----
  // Products pinned at once in one stream.
  int max_pins = 3;
  // ---- auctions ----
  // How often each replica's closer looks for auctions past their end (an auction closes at
  // most this late).
  absl::Duration auction_close_interval = absl::Milliseconds(250);
  // ---- product_images ----
  // Folder of the content-addressed rendition files; empty: uploads are not served.
  std::string image_root;
  // Rendition URL = this + key (a CDN or the gateway's image path).
  std::string image_url_prefix = "/images/";
  int64_t image_max_upload_bytes = 20 * 1024 * 1024;
  int image_max_side = 12000;
  int64_t image_max_pixels = 50'000'000;
  int image_max_per_product = 8;
  // Uploads decoded at once; fewer than db_pool_size so database work always has threads.
  int image_max_concurrent = 2;
  // How often each replica sweeps rendition files no row references; zero: never (deleted
  // images' files still go at once).
  absl::Duration image_gc_interval = absl::Minutes(15);
  // A sweep leaves files younger than this alone (uploads in flight).
  absl::Duration image_gc_grace = absl::Hours(1);
  // ---- stock ----
  // How long a Reserve hold lasts unless the product says otherwise: 1..10 minutes.
  absl::Duration stock_hold_duration = absl::Minutes(5);
  // Threads serving Reserve batches of different products at once (1..db_pool_size).
  int stock_batcher_workers = 2;
  // Batches of one hot product in flight at once (1..8); the next waits on the row lock.
  int stock_batcher_pipeline = 1;
  // How often expired holds are tidied (correctness never waits for it).
  absl::Duration stock_sweep_interval = absl::Seconds(10);
  // How often changed stock goes to the rooms, one event per changed product at most.
  absl::Duration stock_event_interval = absl::Milliseconds(250);
  // "Low stock" when available falls to this or below (and above 0).
  int64_t stock_low_threshold = 5;
  // ---- image_http ----
  // The image origin's "host:port" (port 0: ephemeral); empty: renditions are not served over
  // HTTP. Needs image_root; serves the path of image_url_prefix.
  std::string http_addr;
  // Connections the image origin keeps open at once; more are closed on arrival.
  int http_max_connections = 1000;
  // ---- lottery ----
  // How often each replica's drawer looks for lotteries whose window ended (a lottery is
  // drawn at most this late).
  absl::Duration lottery_draw_interval = absl::Milliseconds(250);
  // How often entry counts go to the rooms, one event per lottery with new entries at most.
  absl::Duration lottery_event_interval = absl::Milliseconds(500);
  // Entries one lottery accepts.
  int64_t lottery_max_entrants = 50'000;
  // ---- queue ----
  // How often each replica's advancer looks for units to offer (freed by releases, expiries,
  // returns, restocks on any replica); it also wakes at claim deadlines and local changes.
  absl::Duration queue_advance_interval = absl::Milliseconds(250);
  // How often queue lengths go to the rooms, one event per changed queue at most.
  absl::Duration queue_event_interval = absl::Milliseconds(250);
};

// Reads the parsed flags into a Config; an absent or malformed value is an error naming it.
absl::StatusOr<Config> LoadConfig();

}  // namespace shopcast::product_inventory
