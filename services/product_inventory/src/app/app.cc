#include "app/app.h"

#include <algorithm>

#include "app/event_sink_service.h"
#include "app/internal_service.h"
#include "app/public_service.h"
#include "common/hooks.h"
#include "common/room_events.h"
#include "common/room_publish_sink.h"
#include "common/streams.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/events/inbox.h"
#include "shopcast/events/outbox.h"
#include "shopcast/events/sink.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/startup/service_core.h"
#include "shopcast/startup/startup.h"
#include "shopcast/status/status.h"

// ---- area headers ----
#include "auctions/auction_closer.h"
#include "auctions/auction_guard.h"
#include "auctions/auction_rpcs.h"
#include "auctions/auction_sql.h"
#include "auctions/auction_store.h"
#include "catalog/catalog_rpcs.h"
#include "catalog/catalog_sql.h"
#include "catalog/catalog_store.h"
#include "image_http/image_server.h"
#include "images/image_processor.h"
#include "images/rendition_gc.h"
#include "images/rendition_store.h"
#include "images/rendition_sweeper.h"
#include "lottery/entry_events.h"
#include "lottery/lottery_drawer.h"
#include "lottery/lottery_guard.h"
#include "lottery/lottery_rpcs.h"
#include "lottery/lottery_sql.h"
#include "lottery/lottery_store.h"
#include "pins/pins_rpcs.h"
#include "pins/pins_sql.h"
#include "pins/pins_store.h"
#include "product_images/image_rows.h"
#include "product_images/product_images_rpcs.h"
#include "product_images/product_images_sql.h"
#include "product_images/product_images_store.h"
#include "product_images/rendition_references.h"
#include "queue/queue_advancer.h"
#include "queue/queue_events.h"
#include "queue/queue_rpcs.h"
#include "queue/queue_sql.h"
#include "queue/queue_store.h"
#include "stock/auction_hold_hooks.h"
#include "stock/expiry_sweeper.h"
#include "stock/product_stock_hooks.h"
#include "stock/reserve_batcher.h"
#include "stock/stock_events.h"
#include "stock/stock_rpcs.h"
#include "stock/stock_sql.h"
#include "stock/stock_store.h"
#include "stock/stock_wire_sql.h"

namespace shopcast::db::embedded {
const MigrationSet& product_inventoryMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::product_inventory {
namespace {

std::vector<const db::MigrationSet*> MigrationSets() {
  return {&db::embedded::product_inventoryMigrations(), &events::OutboxMigrations(),
          &events::InboxMigrations()};
}

using startup::AtStep;

}  // namespace

// Declared in dependency order: members are destroyed in reverse, users before what they use.
struct App::Parts {
  Config config;
  std::unique_ptr<startup::ServiceCore> core;
  std::unique_ptr<EventSinkService> event_sink;
  // Set by the stock area; the catalogue creates stock rows through it.
  StockHooks* stock_hooks = nullptr;
  // Set by the product_images area; the catalogue fills Product.images through it.
  ImageHooks* image_hooks = nullptr;
  // Filled by the auctions and lottery areas; the catalogue (archive, update) and the stock
  // (write-offs) ask each. Complete before the service serves.
  SaleGuards sale_guards;

  // ---- area parts: catalog ----
  std::unique_ptr<catalog::CatalogStore> catalog_store;
  std::unique_ptr<catalog::CatalogRpcs> catalog_rpcs;

  // ---- area parts: stock ----
  std::unique_ptr<stock::StockStore> stock_store;
  std::unique_ptr<stock::ProductStockHooks> stock_product_hooks;
  std::unique_ptr<stock::StockEvents> stock_events;
  std::unique_ptr<stock::ReserveBatcher> stock_batcher;
  std::unique_ptr<stock::ExpirySweeper> stock_sweeper;
  std::unique_ptr<stock::StockRpcs> stock_rpcs;
  // The auctions' winner holds (sets auction_hooks).
  std::unique_ptr<stock::AuctionHoldHooks> stock_auction_hooks;

  // ---- area parts: auctions ----
  // Set by the stock area (before the auctions wiring): the winner's hold at a sale.
  AuctionHooks* auction_hooks = nullptr;
  std::unique_ptr<auctions::AuctionStore> auction_store;
  std::unique_ptr<auctions::AuctionRpcs> auction_rpcs;
  std::unique_ptr<auctions::AuctionCloser> auction_closer;
  std::unique_ptr<auctions::AuctionGuard> auction_guard;

  // ---- area parts: pins ----
  std::unique_ptr<pins::PinsStore> pins_store;
  std::unique_ptr<pins::PinsRpcs> pins_rpcs;

  // ---- area parts: product_images ----
  std::unique_ptr<images::ImageProcessor> image_processor;
  std::unique_ptr<images::FileRenditionStore> rendition_store;
  std::unique_ptr<product_images::ImageRows> image_rows;
  std::unique_ptr<product_images::ProductImagesStore> product_images_store;
  std::unique_ptr<product_images::PgRenditionReferences> rendition_references;
  std::unique_ptr<images::RenditionCollector> rendition_collector;
  std::unique_ptr<images::RenditionSweeper> rendition_sweeper;
  std::unique_ptr<product_images::ProductImagesRpcs> product_images_rpcs;

  // ---- area parts: image_http ----
  // Serves the files rendition_store writes; needs nothing else of the App.
  std::unique_ptr<http_files::Server> image_server;
  // ---- area parts: lottery ----
  std::unique_ptr<lottery::LotteryStore> lottery_store;
  std::unique_ptr<lottery::EntryEvents> lottery_entry_events;
  std::unique_ptr<lottery::LotteryRpcs> lottery_rpcs;
  std::unique_ptr<lottery::LotteryDrawer> lottery_drawer;
  std::unique_ptr<lottery::LotteryGuard> lottery_guard;
  // ---- area parts: queue ----
  std::unique_ptr<queue::QueueStore> queue_store;
  std::unique_ptr<queue::QueueEvents> queue_events;
  std::unique_ptr<queue::QueueAdvancer> queue_advancer;
  std::unique_ptr<queue::QueueRpcs> queue_rpcs;

  std::unique_ptr<PublicService> public_service;
  std::unique_ptr<InternalService> internal_service;
};

absl::StatusOr<std::unique_ptr<App>> App::Create(const Config& config,
                                                 const AppOverrides& overrides) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  std::vector<std::pair<std::string, std::string>> statements = sql::StreamStatements();
  // ---- area statements ----
  for (auto& s : catalog::sql::PreparedStatements()) statements.push_back(std::move(s));
  for (auto& s : pins::sql::PreparedStatements()) statements.push_back(std::move(s));
  for (auto& s : auctions::sql::PreparedStatements()) statements.push_back(std::move(s));
  for (auto& s : product_images::sql::PreparedStatements()) statements.push_back(std::move(s));
  for (auto& s : stock::sql::PreparedStatements()) statements.push_back(std::move(s));
  for (auto& s : stock::wire_sql::PreparedStatements()) statements.push_back(std::move(s));
  for (auto& s : lottery::sql::PreparedStatements()) statements.push_back(std::move(s));
  for (auto& s : queue::sql::PreparedStatements()) statements.push_back(std::move(s));
  startup::ServiceCoreOptions core_options;
  core_options.service = "product-inventory";
  core_options.migrations = MigrationSets();
  core_options.statements = std::move(statements);
  // One connection beyond the executor's threads for the relay's rounds.
  core_options.extra_connections = 1;
  // ---- area host options: product_images ----
  // An upload arrives in one message: room for the largest plus the request's other fields;
  // never below the default, so every other RPC keeps the usual bound.
  if (!config.image_root.empty()) {
    core_options.host_options = [&config](server::HostOptions& o) {
      o.max_receive_message_bytes =
          std::max<int64_t>(o.max_receive_message_bytes, config.image_max_upload_bytes + 64 * 1024);
    };
  }
  // Room events go straight to realtime-push's Publish; the other destinations' events to
  // their EventSink.
  core_options.custom_sink =
      [](const std::string& destination, const std::string& addr,
         const auth::ServiceTls& tls) -> absl::StatusOr<std::unique_ptr<events::Sink>> {
    if (destination != kRoomDestination) return nullptr;
    ASSIGN_OR_RETURN(auto room_sink, RoomPublishSink::ToInternalListener(addr, tls));
    return std::unique_ptr<events::Sink>(std::move(room_sink));
  };
  ASSIGN_OR_RETURN(p->core, startup::ServiceCore::Create(config, std::move(core_options)));
  startup::ServiceCore& core = *p->core;
  prometheus::Registry* metrics = core.metrics();
  server::Executor& executor = core.executor();

  p->event_sink = std::make_unique<EventSinkService>(*core.pool, executor);
  p->event_sink->AddHandler([](pqxx::work& tx, const common::v1::Event& event, absl::Time now) {
    if (!IsStreamEvent(event)) return absl::OkStatus();
    return ApplyStreamEvent(tx, event, now);
  });
  std::function<std::string(absl::string_view)> new_id =
      overrides.new_id ? overrides.new_id
                       : [](absl::string_view prefix) { return ids::NewId(prefix); };

  // ---- area wiring: stock ----
  // (sets p->stock_hooks before the catalogue is built)
  stock::WallClock stock_clock =
      overrides.stock_clock ? stock::WallClock(overrides.stock_clock) : stock::WallClock(absl::Now);
  p->stock_store = std::make_unique<stock::StockStore>(*core.pool, stock_clock);
  p->stock_product_hooks =
      std::make_unique<stock::ProductStockHooks>(stock_clock, config.stock_hold_duration);
  p->stock_hooks = p->stock_product_hooks.get();
  p->stock_events = std::make_unique<stock::StockEvents>(
      *core.pool, stock_clock,
      stock::StockEvents::Options{config.stock_event_interval, config.stock_low_threshold});
  stock::ReserveBatcher::Options batcher_options;
  batcher_options.workers = config.stock_batcher_workers;
  batcher_options.pipeline = config.stock_batcher_pipeline;
  p->stock_batcher = std::make_unique<stock::ReserveBatcher>(*p->stock_store, batcher_options);
  stock::ExpirySweeper::Options sweeper_options;
  sweeper_options.interval = config.stock_sweep_interval;
  p->stock_sweeper = std::make_unique<stock::ExpirySweeper>(*p->stock_store, sweeper_options);
  p->stock_auction_hooks = std::make_unique<stock::AuctionHoldHooks>(*p->stock_events);
  p->auction_hooks = p->stock_auction_hooks.get();

  // ---- area wiring: product_images (hooks) ----
  // (sets p->image_hooks before the catalogue is built)
  if (!config.image_root.empty()) {
    p->image_rows = std::make_unique<product_images::ImageRows>(config.image_url_prefix);
    p->image_hooks = p->image_rows.get();
  }

  // ---- area wiring: catalog ----
  catalog::CatalogOptions catalog_options;
  catalog_options.pricing.price_ceiling_minor = config.price_ceiling_minor;
  catalog_options.pricing.buy_now_min_premium_percent = config.buy_now_min_premium_percent;
  catalog_options.pricing.buy_now_suggest_multiplier = config.buy_now_suggest_multiplier;
  p->catalog_store = std::make_unique<catalog::CatalogStore>(*core.pool, new_id, p->stock_hooks,
                                                             p->image_hooks, &p->sale_guards);
  p->catalog_rpcs =
      std::make_unique<catalog::CatalogRpcs>(*p->catalog_store, *core.verifier, &core.revoked,
                                             *core.page_tokens, executor, catalog_options);

  // ---- area wiring: stock (RPCs; after the catalogue, whose products checkout shows) ----
  catalog::CatalogStore* catalog_store = p->catalog_store.get();
  p->stock_rpcs = std::make_unique<stock::StockRpcs>(
      *p->stock_store, *p->stock_batcher, *p->stock_events, *core.verifier, &core.revoked,
      *core.page_tokens, executor,
      [catalog_store](const std::string& product_id,
                      v1::GetReservationForCheckoutResponse* out) -> absl::Status {
        ASSIGN_OR_RETURN(*out->mutable_product(), catalog_store->GetProduct(product_id, nullptr));
        ASSIGN_OR_RETURN(*out->mutable_shipping_profile(),
                         catalog_store->GetProfile(out->product().shipping_profile_id()));
        return absl::OkStatus();
      });
  p->stock_rpcs->SetSaleGuards(&p->sale_guards);

  // ---- area wiring: auctions ----
  p->auction_store = std::make_unique<auctions::AuctionStore>(*core.pool, new_id, p->auction_hooks,
                                                              config.price_ceiling_minor);
  p->auction_rpcs = std::make_unique<auctions::AuctionRpcs>(
      *p->auction_store, *core.verifier, &core.revoked, *core.page_tokens, executor);
  p->auction_closer =
      std::make_unique<auctions::AuctionCloser>(*p->auction_store, config.auction_close_interval);
  p->auction_guard = std::make_unique<auctions::AuctionGuard>();
  p->sale_guards.push_back(p->auction_guard.get());
  // After the stream directory's handler: the end is recorded before the stream's auctions close.
  p->event_sink->AddHandler([store = p->auction_store.get()](
                                pqxx::work& tx, const common::v1::Event& event, absl::Time now) {
    return store->OnPeerEvent(tx, event, now);
  });

  // ---- area wiring: pins ----
  // After the stream directory's handler: at stream_ended the end is recorded (and the stream's
  // row locked) before the pins are cleared, in the same transaction.
  p->pins_store = std::make_unique<pins::PinsStore>(*core.pool, p->stock_hooks, config.max_pins);
  p->event_sink->AddHandler(
      [store = p->pins_store.get()](pqxx::work& tx, const common::v1::Event& event, absl::Time) {
        return store->OnPeerEvent(tx, event);
      });
  p->pins_rpcs = std::make_unique<pins::PinsRpcs>(*p->pins_store, *core.verifier, &core.revoked,
                                                  executor, config.max_pins);

  // ---- area wiring: product_images ----
  if (!config.image_root.empty()) {
    images::ProcessorOptions processor_options;
    processor_options.limits.max_upload_bytes = static_cast<size_t>(config.image_max_upload_bytes);
    processor_options.limits.max_side = config.image_max_side;
    processor_options.limits.max_pixels = config.image_max_pixels;
    processor_options.max_concurrent = config.image_max_concurrent;
    auto processor = images::ImageProcessor::Create(std::move(processor_options));
    if (!processor.ok()) return AtStep("image_processor", processor.status());
    p->image_processor = *std::move(processor);
    auto renditions = images::FileRenditionStore::Open(config.image_root);
    if (!renditions.ok()) return AtStep("image_root", renditions.status());
    p->rendition_store = *std::move(renditions);
    p->product_images_store = std::make_unique<product_images::ProductImagesStore>(
        *core.pool, *p->catalog_store, *p->image_rows, new_id, config.image_max_per_product);
    p->rendition_references = std::make_unique<product_images::PgRenditionReferences>(*core.pool);
    images::CollectorOptions collector_options;
    collector_options.grace = config.image_gc_grace;
    p->rendition_collector = std::make_unique<images::RenditionCollector>(
        *p->rendition_store, *p->rendition_references, collector_options, metrics);
    if (config.image_gc_interval > absl::ZeroDuration()) {
      p->rendition_sweeper = std::make_unique<images::RenditionSweeper>(*p->rendition_collector,
                                                                        config.image_gc_interval);
    }
    product_images::ProductImagesOptions images_options;
    images_options.max_concurrent_uploads = config.image_max_concurrent;
    images_options.collector = p->rendition_collector.get();
    images_options.hooks.decoding = overrides.image_decoding;
    images_options.hooks.stored = overrides.image_stored;
    p->product_images_rpcs = std::make_unique<product_images::ProductImagesRpcs>(
        *p->product_images_store, *p->image_processor, *p->rendition_store, *core.verifier,
        &core.revoked, executor, images_options);
  }

  // ---- area wiring: image_http ----
  if (!config.http_addr.empty()) {
    image_http::ImageServerOptions image_server_options;
    image_server_options.http_addr = config.http_addr;
    image_server_options.image_root = config.image_root;
    image_server_options.image_url_prefix = config.image_url_prefix;
    image_server_options.max_connections = config.http_max_connections;
    auto image_server = image_http::MakeImageServer(image_server_options, metrics);
    if (!image_server.ok()) return AtStep("http_addr", image_server.status());
    p->image_server = *std::move(image_server);
  }
  // ---- area wiring: lottery ----
  // After the stock area: a start or draw changes the product's stock, which the stock area
  // announces to the room.
  p->lottery_store = std::make_unique<lottery::LotteryStore>(
      *core.pool, new_id,
      [events = p->stock_events.get()](const std::string& product_id) {
        events->MarkDirty(product_id);
      },
      lottery::LotteryStore::Options{config.lottery_max_entrants});
  p->lottery_entry_events =
      std::make_unique<lottery::EntryEvents>(*p->lottery_store, config.lottery_event_interval);
  p->lottery_rpcs = std::make_unique<lottery::LotteryRpcs>(
      *p->lottery_store, *p->lottery_entry_events, *core.verifier, &core.revoked, *core.page_tokens,
      executor);
  p->lottery_drawer =
      std::make_unique<lottery::LotteryDrawer>(*p->lottery_store, config.lottery_draw_interval);
  p->lottery_guard = std::make_unique<lottery::LotteryGuard>();
  p->sale_guards.push_back(p->lottery_guard.get());
  // After the stream directory's handler: the end is recorded before the stream's lotteries
  // are drawn or cancelled, in the same transaction.
  p->event_sink->AddHandler([store = p->lottery_store.get()](
                                pqxx::work& tx, const common::v1::Event& event, absl::Time now) {
    return store->OnPeerEvent(tx, event, now);
  });
  // ---- area wiring: queue ----
  // On the stock clock: offers are holds, and holds expire by it. ConfigureQueue announces the
  // product's card (queue_enabled) through the catalogue, in its transaction.
  p->queue_store = std::make_unique<queue::QueueStore>(
      *core.pool, stock_clock, new_id, [catalog_store](pqxx::work& tx, const std::string& id) {
        return catalog_store->AnnounceCurrent(tx, id);
      });
  p->queue_events =
      std::make_unique<queue::QueueEvents>(*p->queue_store, config.queue_event_interval);
  stock::StockEvents* stock_events = p->stock_events.get();
  auto stock_changed = [stock_events](const std::string& product_id) {
    stock_events->MarkDirty(product_id);
  };
  p->queue_advancer = std::make_unique<queue::QueueAdvancer>(
      *p->queue_store, config.queue_advance_interval, stock_changed);
  p->queue_rpcs =
      std::make_unique<queue::QueueRpcs>(*p->queue_store, *p->queue_advancer, *p->queue_events,
                                         *core.verifier, &core.revoked, executor, stock_changed);

  PublicAreas areas;
  // ---- area routes ----
  areas.catalog = p->catalog_rpcs.get();
  areas.pins = p->pins_rpcs.get();
  areas.auctions = p->auction_rpcs.get();
  areas.product_images = p->product_images_rpcs.get();
  areas.stock = p->stock_rpcs.get();
  areas.lottery = p->lottery_rpcs.get();
  areas.queue = p->queue_rpcs.get();

  InternalAreas internal_areas;
  // ---- area internal routes ----
  internal_areas.stock = p->stock_rpcs.get();

  p->public_service = std::make_unique<PublicService>(areas);
  p->internal_service = std::make_unique<InternalService>(internal_areas);
  core.host->AddService(p->public_service.get());
  core.host->AddInternalService(p->internal_service.get());
  core.host->AddInternalService(p->event_sink.get());
  return std::unique_ptr<App>(new App(std::move(p)));
}

App::App(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

App::~App() { Stop(); }

absl::Status App::Start() {
  Parts& p = *parts_;
  // Revocations and the relay first: what handlers commit goes out from the first call on.
  p.core->StartSupport();

  // ---- area start ----
  // The closer before the listeners: auctions that ended while no replica ran close at once.
  p.auction_closer->Start();
  p.stock_events->Start();
  p.stock_sweeper->Start();
  // The image origin only reads files: it may serve before the gRPC listeners open.
  if (p.image_server) RETURN_IF_ERROR(AtStep("http_listen", p.image_server->Start()));
  // Files orphaned while no replica ran are swept at once; every replica may sweep.
  if (p.rendition_sweeper) p.rendition_sweeper->Start();
  // Like the auction closer: lotteries whose window ended while no replica ran draw at once.
  p.lottery_drawer->Start();
  p.lottery_entry_events->Start();
  // Before the listeners: units freed while no replica ran are offered at once.
  p.queue_advancer->Start();
  p.queue_events->Start();

  return p.core->host->Start();
}

void App::Stop() {
  if (stopped_) return;
  stopped_ = true;
  Parts& p = *parts_;
  p.core->host->Shutdown();

  // ---- area stop ----
  // After the drain: no handler changes anything any more.
  p.auction_closer->Stop();
  // Before the stock events: a draw's stock change is still announced.
  p.lottery_drawer->Stop();
  p.lottery_entry_events->Stop();
  p.queue_advancer->Stop();
  p.queue_events->Stop();
  // The batcher answers what it still holds; then the last changes are announced. Its totals
  // go to the log: requests per batch and the share pipelined say how a hot product was served.
  {
    const stock::ReserveBatcher::Stats s = p.stock_batcher->stats();
    log::Info("stock_batcher_totals")
        .Kv("batches", s.batches)
        .Kv("requests", s.requests)
        .Kv("largest_batch", s.largest_batch)
        .Kv("pipelined", s.pipelined)
        .Kv("serving_ms", absl::ToInt64Milliseconds(s.serving));
  }
  p.stock_batcher.reset();
  p.stock_sweeper->Stop();
  p.stock_events->Stop();
  // After the gRPC drain, like the other areas; its connections are closed at once (rendition
  // fetches are short and a client or CDN simply retries elsewhere).
  if (p.image_server) p.image_server->Stop();
  if (p.rendition_sweeper) p.rendition_sweeper->Stop();

  // Last: what the drained calls committed is still delivered by the next replica's relay.
  p.core->StopSupport();
}

server::ServiceHost& App::host() { return *parts_->core->host; }

uint16_t App::http_port() const { return parts_->image_server ? parts_->image_server->port() : 0; }

int RunMigrate(const Config& config) { return startup::RunMigrate(config.db_dsn, MigrationSets()); }

int RunServer(const Config& config) {
  return startup::Serve<App>(
      config, +[](App& app, const Config&, log::Line& serving) {
        serving.Kv("http_port", static_cast<int>(app.http_port()));
      });
}

}  // namespace shopcast::product_inventory
