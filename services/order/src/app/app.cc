#include "app/app.h"

#include <utility>
#include <vector>

#include "app/internal_service.h"
#include "app/public_service.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/clients/call.h"
#include "shopcast/clients/internal.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/events/outbox.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/startup/service_core.h"
#include "shopcast/startup/startup.h"
#include "shopcast/status/status.h"

// ---- area headers ----
#include "checkout/checkout.h"
#include "checkout/checkout_rpcs.h"
#include "checkout/inventory.h"
#include "checkout/order_sql.h"
#include "checkout/order_store.h"
#include "checkout/recovery.h"
#include "checkout/saga.h"
#include "lifecycle/lifecycle.h"
#include "lifecycle/lifecycle_rpcs.h"
#include "lifecycle/lifecycle_sql.h"
#include "lifecycle/lifecycle_store.h"
#include "payments/simulated_provider.h"
#include "sales/sales.h"
#include "sales/sales_rpcs.h"
#include "sales/sales_sql.h"
#include "sales/sales_store.h"

namespace shopcast::db::embedded {
const MigrationSet& orderMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::order {
namespace {

using startup::AtStep;

std::vector<const db::MigrationSet*> MigrationSets() {
  return {&db::embedded::orderMigrations(), &events::OutboxMigrations()};
}

}  // namespace

// Declared in dependency order: members are destroyed in reverse, users before what they use.
struct App::Parts {
  Config config;
  std::unique_ptr<startup::ServiceCore> core;

  // ---- area parts: payments ----
  std::unique_ptr<payments::SimulatedProvider> simulated_provider;

  // ---- area parts: access passes ----
  std::unique_ptr<access::Streams> own_streams;
  access::Streams* streams = nullptr;
  std::unique_ptr<access::Replays> own_replays;
  access::Replays* replays = nullptr;

  // ---- area parts: checkout ----
  std::unique_ptr<checkout::Inventory> own_inventory;
  checkout::Inventory* inventory = nullptr;
  payments::PaymentProvider* provider = nullptr;
  std::unique_ptr<checkout::OrderStore> order_store;
  std::unique_ptr<checkout::CheckoutSaga> saga;
  std::unique_ptr<checkout::Checkout> checkout;
  std::unique_ptr<checkout::Recovery> recovery;
  std::unique_ptr<checkout::CheckoutRpcs> checkout_rpcs;

  // ---- area parts: lifecycle ----
  std::unique_ptr<lifecycle::LifecycleStore> lifecycle_store;
  std::unique_ptr<lifecycle::Lifecycle> lifecycle;
  std::unique_ptr<lifecycle::LifecycleRecovery> lifecycle_recovery;
  std::unique_ptr<lifecycle::LifecycleRpcs> lifecycle_rpcs;
  // ---- area parts: sales ----
  std::unique_ptr<sales::SalesStore> sales_store;
  std::unique_ptr<sales::Sales> sales;
  std::unique_ptr<sales::SalesRpcs> sales_rpcs;

  std::unique_ptr<PublicService> public_service;
  std::unique_ptr<InternalService> internal_service;
};

absl::StatusOr<std::unique_ptr<App>> App::Create(const Config& config,
                                                 const AppOverrides& overrides) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  std::vector<std::pair<std::string, std::string>> statements;
  // ---- area statements ----
  for (auto& s : checkout::sql::PreparedStatements()) statements.push_back(std::move(s));
  for (auto& s : lifecycle::sql::PreparedStatements()) statements.push_back(std::move(s));
  for (auto& s : sales::sql::PreparedStatements()) statements.push_back(std::move(s));
  for (auto& s : payments::SimulatedProvider::PreparedStatements()) {
    statements.push_back(std::move(s));
  }
  startup::ServiceCoreOptions core_options;
  core_options.service = "order";
  core_options.migrations = MigrationSets();
  core_options.statements = std::move(statements);
  // One connection beyond the executor's threads for the relay's rounds, one for recovery, one
  // for the lifecycle's recovery.
  core_options.extra_connections = 3;
  ASSIGN_OR_RETURN(p->core, startup::ServiceCore::Create(config, std::move(core_options)));
  startup::ServiceCore& core = *p->core;
  prometheus::Registry* metrics = core.metrics();
  server::Executor& executor = core.executor();

  std::function<std::string(absl::string_view)> new_id =
      overrides.new_id ? overrides.new_id
                       : [](absl::string_view prefix) { return ids::NewId(prefix); };

  // ---- area wiring: checkout ----
  if (overrides.inventory != nullptr) {
    p->inventory = overrides.inventory;
  } else {
    auto pi_channel =
        clients::MakeInternalChannel("product-inventory", config.product_inventory_addr, core.tls);
    if (!pi_channel.ok()) return AtStep("product_inventory_addr", pi_channel.status());
    p->own_inventory = checkout::MakeGrpcInventory(*pi_channel, config.inventory_timeout);
    p->inventory = p->own_inventory.get();
  }
  // ---- area wiring: access passes ----
  if (overrides.streams != nullptr) {
    p->streams = overrides.streams;
  } else {
    auto vi_channel =
        clients::MakeInternalChannel("video-ingest", config.video_ingest_addr, core.tls);
    if (!vi_channel.ok()) return AtStep("video_ingest_addr", vi_channel.status());
    p->own_streams = access::MakeGrpcStreams(*vi_channel, config.video_ingest_timeout);
    p->streams = p->own_streams.get();
  }
  if (overrides.replays != nullptr) {
    p->replays = overrides.replays;
  } else if (!config.recording_lifecycle_addr.empty()) {
    auto rl_channel = clients::MakeChannel("recording-lifecycle", config.recording_lifecycle_addr);
    if (!rl_channel.ok()) return AtStep("recording_lifecycle_addr", rl_channel.status());
    p->own_replays = access::MakeGrpcReplays(*rl_channel, config.video_ingest_timeout);
    p->replays = p->own_replays.get();
  }
  // ---- area wiring: payments ----
  // The built-in simulated provider keeps its ledger in this database; CompletePlaceholderPayment
  // settles at it.
  checkout::SettlePayment settle = overrides.settle;
  p->provider = overrides.provider;
  if (p->provider == nullptr) {
    p->simulated_provider = std::make_unique<payments::SimulatedProvider>(*core.pool);
    p->provider = p->simulated_provider.get();
    settle = [provider = p->simulated_provider.get()](const std::string& payment_id, bool approve,
                                                      const std::string& decline_code) {
      return provider->Settle(payment_id, approve, decline_code).status();
    };
  }
  p->order_store = std::make_unique<checkout::OrderStore>(*core.pool);
  checkout::SagaOptions saga_options;
  saga_options.lease_ttl = config.saga_lease;
  saga_options.lock_duration = config.reservation_lock;
  saga_options.provider_timeout = config.provider_timeout;
  saga_options.provider_attempts = config.provider_attempts;
  saga_options.pending_timeout = config.payment_pending_timeout;
  saga_options.crash_after = overrides.crash_after;
  // The lease names this process: a restarted process must not take its predecessor's
  // leases for its own before they lapse.
  p->saga =
      std::make_unique<checkout::CheckoutSaga>(*p->order_store, *p->inventory, *p->provider,
                                               new_id("run"), std::move(saga_options), metrics);
  checkout::CheckoutOptions checkout_options;
  checkout_options.key_ttl = config.idempotency_key_ttl;
  checkout_options.provider_name = p->provider->name();
  p->checkout =
      std::make_unique<checkout::Checkout>(*p->order_store, *p->inventory, p->streams, p->replays,
                                           *p->saga, *core.page_tokens, checkout_options, new_id);
  if (!overrides.no_recovery) {
    p->recovery = std::make_unique<checkout::Recovery>(
        *p->order_store, *p->saga, checkout::Recovery::Options{config.recovery_interval, 20});
  }
  p->checkout_rpcs = std::make_unique<checkout::CheckoutRpcs>(
      *p->checkout, *core.verifier, &core.revoked, executor, std::move(settle));

  // ---- area wiring: lifecycle ----
  p->lifecycle_store = std::make_unique<lifecycle::LifecycleStore>(*core.pool);
  lifecycle::LifecycleOptions lifecycle_options;
  lifecycle_options.lease_ttl = config.saga_lease;
  lifecycle_options.provider_timeout = config.provider_timeout;
  lifecycle_options.provider_attempts = config.provider_attempts;
  lifecycle_options.crash_after = overrides.crash_after;
  p->lifecycle = std::make_unique<lifecycle::Lifecycle>(
      *p->order_store, *p->lifecycle_store, *p->inventory, *p->provider, new_id("run"),
      std::move(lifecycle_options), new_id, metrics);
  if (!overrides.no_recovery) {
    p->lifecycle_recovery =
        std::make_unique<lifecycle::LifecycleRecovery>(*p->lifecycle, config.recovery_interval);
  }
  p->lifecycle_rpcs = std::make_unique<lifecycle::LifecycleRpcs>(*p->lifecycle, *core.verifier,
                                                                 &core.revoked, executor);
  // ---- area wiring: sales ----
  p->sales_store = std::make_unique<sales::SalesStore>(*core.pool, metrics);
  p->sales = std::make_unique<sales::Sales>(*p->sales_store, *core.page_tokens);
  p->sales_rpcs =
      std::make_unique<sales::SalesRpcs>(*p->sales, *core.verifier, &core.revoked, executor);

  PublicAreas areas;
  // ---- area routes ----
  areas.checkout = p->checkout_rpcs.get();
  areas.lifecycle = p->lifecycle_rpcs.get();
  areas.sales = p->sales_rpcs.get();
  InternalAreas internal_areas;
  // ---- area internal routes ----
  internal_areas.checkout = p->checkout_rpcs.get();

  p->public_service = std::make_unique<PublicService>(areas);
  p->internal_service = std::make_unique<InternalService>(internal_areas);
  core.host->AddService(p->public_service.get());
  core.host->AddInternalService(p->internal_service.get());
  return std::unique_ptr<App>(new App(std::move(p)));
}

App::App(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

App::~App() { Stop(); }

absl::Status App::Start() {
  Parts& p = *parts_;
  // Revocations and the relay first: what the checkout commits goes out from the first call on.
  p.core->StartSupport();
  // ---- area start ----
  // Before the listeners: sagas a dead process left behind resume at once.
  if (p.recovery) p.recovery->Start();
  // Cancels and refunds a dead process left half-done.
  if (p.lifecycle_recovery) p.lifecycle_recovery->Start();
  return p.core->host->Start();
}

void App::Stop() {
  if (stopped_) return;
  stopped_ = true;
  Parts& p = *parts_;
  p.core->host->Shutdown();
  // ---- area stop ----
  // After the drain: a saga it stops mid-way keeps its lease and is resumed by a replica.
  if (p.recovery) p.recovery->Stop();
  if (p.lifecycle_recovery) p.lifecycle_recovery->Stop();
  // Last: what the drained calls committed is still delivered by the next replica's relay.
  p.core->StopSupport();
}

server::ServiceHost& App::host() { return *parts_->core->host; }

int RunMigrate(const Config& config) { return startup::RunMigrate(config.db_dsn, MigrationSets()); }

int RunServer(const Config& config) { return startup::Serve<App>(config); }

}  // namespace shopcast::order
