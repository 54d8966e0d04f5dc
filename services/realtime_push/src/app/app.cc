#include "app/app.h"

#include "app/public_service.h"
#include "rooms/batch_append.h"
#include "rooms/event_sink_service.h"
#include "rooms/feed_hub.h"
#include "rooms/internal_service.h"
#include "rooms/retention.h"
#include "rooms/room_log.h"
#include "rooms/room_service.h"
#include "rooms/room_sql.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/clients/internal.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/events/inbox.h"
#include "shopcast/log/log.h"
#include "shopcast/startup/service_core.h"
#include "shopcast/startup/startup.h"
#include "shopcast/status/status.h"

// ---- area headers ----
#include "chat/chat_rpcs.h"
#include "chat/chat_sql.h"
#include "clients/user_contacts.h"
#include "clients/user_followers.h"
#include "engagement/coalescer.h"
#include "engagement/engagement_rpcs.h"
#include "engagement/engagement_sql.h"
#include "engagement/presence_store.h"
#include "engagement/reactions_store.h"
#include "engagement/stats.h"
#include "engagement/sweeper.h"
#include "mail/smtp_mailer.h"
#include "notify/account_mail.h"
#include "notify/notify_area.h"
#include "notify/notify_sql.h"
#include "sales/order_events.h"
#include "sales/sales_sql.h"

namespace shopcast::db::embedded {
const MigrationSet& realtime_pushMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::realtime_push {
namespace {

std::vector<const db::MigrationSet*> MigrationSets() {
  return {&db::embedded::realtime_pushMigrations(), &events::InboxMigrations()};
}

using startup::AtStep;

}  // namespace

// Declared in dependency order: members are destroyed in reverse, users before what they use.
struct App::Parts {
  Config config;
  std::unique_ptr<startup::ServiceCore> core;
  std::unique_ptr<rooms::RoomLog> log;
  std::unique_ptr<rooms::FeedHub> hub;
  std::unique_ptr<rooms::BatchAppender> appender;
  std::unique_ptr<rooms::Retention> retention;
  std::unique_ptr<rooms::RoomServiceImpl> room_service;
  std::unique_ptr<rooms::InternalServiceImpl> internal_service;
  std::unique_ptr<rooms::EventSinkService> event_sink;

  // ---- area parts: chat ----
  std::unique_ptr<chat::ChatStore> chat_store;
  std::unique_ptr<chat::ChatRpcs> chat_rpcs;

  // ---- area parts: engagement ----
  std::unique_ptr<engagement::ReactionsStore> reactions;
  std::unique_ptr<engagement::PresenceStore> presence;
  std::unique_ptr<engagement::StatsReader> stats;
  std::unique_ptr<engagement::Coalescer> coalescer;
  std::unique_ptr<engagement::Sweeper> sweeper;
  std::unique_ptr<engagement::EngagementRpcs> engagement;

  // ---- area parts: notifications ----
  std::unique_ptr<FollowerSource> followers;  // when not overridden
  std::unique_ptr<ContactSource> contacts;    // when not overridden
  std::unique_ptr<mail::Mailer> mailer;       // when not overridden
  std::unique_ptr<notify::NotifyArea> notify;

  std::unique_ptr<PublicService> public_service;
};

absl::StatusOr<std::unique_ptr<App>> App::Create(const Config& config,
                                                 const AppOverrides& overrides) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  auto statements = rooms::sql::PreparedStatements();
  // ---- area statements ----
  for (auto& s : engagement::sql::PreparedStatements()) statements.push_back(std::move(s));
  for (auto& s : notify::sql::PreparedStatements()) statements.push_back(std::move(s));
  for (auto& s : chat::sql::PreparedStatements()) statements.push_back(std::move(s));
  for (auto& s : sales::sql::PreparedStatements()) statements.push_back(std::move(s));
  // Connections beyond the executor's threads: retention and the LISTEN poll (one), the
  // engagement push coalescer and presence sweeper (two), and the notifications' fan-out,
  // personal, e-mail and purge loops (four) run beside the handlers and feed loads that
  // share the executor.
  startup::ServiceCoreOptions core_options;
  core_options.service = "realtime-push";
  core_options.migrations = MigrationSets();
  core_options.statements = std::move(statements);
  core_options.extra_connections = 7;
  // Lists page by sequence, not sealed tokens; its events are room events, not an outbox's.
  core_options.page_tokens = false;
  core_options.outbox = false;
  ASSIGN_OR_RETURN(p->core, startup::ServiceCore::Create(config, std::move(core_options)));
  startup::ServiceCore& core = *p->core;
  prometheus::Registry* metrics = core.metrics();
  server::Executor& executor = core.executor();

  p->log = std::make_unique<rooms::RoomLog>(*core.pool);
  p->hub = std::make_unique<rooms::FeedHub>(
      *p->log, executor, config.db_dsn,
      rooms::FeedOptions{config.feed_ring, 512, config.feed_poll_interval,
                         config.combine_wakeups_from, config.help_wakeups_up_to},
      metrics);
  p->retention = std::make_unique<rooms::Retention>(
      *p->log,
      rooms::RetentionOptions{config.retain_events, config.retain_age, config.purge_interval});
  rooms::SubscribeOptions subscribe_options;
  subscribe_options.max_lag = config.max_subscriber_lag;
  subscribe_options.keep_alive = config.keep_alive;
  subscribe_options.end_linger = config.end_linger;
  subscribe_options.start_cache_ttl = config.subscribe_cache_ttl;
  p->room_service = std::make_unique<rooms::RoomServiceImpl>(*p->hub, subscribe_options, metrics,
                                                             &core.host->observability());
  p->appender = std::make_unique<rooms::BatchAppender>(
      *core.pool, *p->hub, rooms::BatchOptions{config.publish_batch_max, config.publish_linger},
      metrics);
  p->internal_service =
      std::make_unique<rooms::InternalServiceImpl>(*p->hub, *p->appender, executor);
  rooms::WentLiveHook went_live;

  // ---- area wiring: chat ----
  p->chat_store = std::make_unique<chat::ChatStore>(
      *core.pool, chat::RateLimit{config.chat_rate_burst, config.chat_rate_interval});
  p->chat_rpcs = std::make_unique<chat::ChatRpcs>(*p->chat_store, *p->hub, *core.verifier,
                                                  core.revoked, executor);

  // ---- area wiring: engagement ----
  p->reactions = std::make_unique<engagement::ReactionsStore>(*core.pool);
  p->presence = std::make_unique<engagement::PresenceStore>(*core.pool);
  p->stats = std::make_unique<engagement::StatsReader>(*core.pool);
  p->coalescer = std::make_unique<engagement::Coalescer>(
      *core.pool, *p->log, engagement::CoalescerOptions{config.counts_push_interval});
  p->sweeper = std::make_unique<engagement::Sweeper>(
      *p->presence, *p->coalescer, engagement::SweeperOptions{config.presence_sweep_interval, 500});
  p->engagement = std::make_unique<engagement::EngagementRpcs>(
      *core.verifier, &core.revoked, executor, *p->reactions, *p->presence, *p->stats,
      *p->coalescer, engagement::PresenceOptions{config.heartbeat_interval, config.presence_lease});

  // ---- area wiring: notifications ----
  FollowerSource* followers = overrides.followers;
  if (followers == nullptr && !config.user_internal_addr.empty()) {
    auto channel = clients::MakeInternalChannel("user", config.user_internal_addr, core.tls);
    if (!channel.ok()) return AtStep("user_internal_addr", channel.status());
    p->followers = std::make_unique<GrpcFollowerSource>(*channel);
    followers = p->followers.get();
  }
  ContactSource* contacts = overrides.contacts;
  if (contacts == nullptr && !config.user_internal_addr.empty()) {
    auto channel = clients::MakeInternalChannel("user", config.user_internal_addr, core.tls);
    if (!channel.ok()) return AtStep("user_internal_addr", channel.status());
    p->contacts = std::make_unique<GrpcContactSource>(*channel);
    contacts = p->contacts.get();
  }
  mail::Mailer* mailer = overrides.mailer;
  if (mailer == nullptr && !config.smtp_url.empty()) {
    mail::SmtpOptions smtp;
    smtp.url = config.smtp_url;
    smtp.username = config.smtp_username;
    smtp.require_starttls = config.smtp_require_starttls;
    smtp.ca_file = config.smtp_ca_file;
    if (!config.smtp_password_file.empty()) {
      auto password = mail::ReadPasswordFile(config.smtp_password_file);
      if (!password.ok()) return AtStep("smtp_password_file", password.status());
      smtp.password = *std::move(password);
    }
    auto smtp_mailer = mail::SmtpMailer::Create(std::move(smtp));
    if (!smtp_mailer.ok()) return AtStep("smtp", smtp_mailer.status());
    p->mailer = *std::move(smtp_mailer);
    mailer = p->mailer.get();
  }
  notify::NotifyAreaOptions notify_options;
  notify_options.entries.ttl = config.notification_ttl;
  notify_options.entries.web_base_url = config.web_base_url;
  notify_options.purge_interval = config.notification_purge_interval;
  notify_options.subscriber_tick = config.notification_poll_interval;
  notify_options.subscribe.max_lag = config.notification_max_lag;
  notify_options.subscribe.keep_alive = config.keep_alive;
  notify_options.fanout.page_size = config.follower_page_size;
  notify_options.fanout_interval = config.fanout_interval;
  notify_options.fanout.lease = config.fanout_lease;
  notify_options.personal_interval = config.fanout_interval;
  notify_options.email.from = config.smtp_from;
  notify_options.email.max_attempts = config.email_max_attempts;
  notify_options.email_interval = config.email_interval;
  p->notify =
      std::make_unique<notify::NotifyArea>(*core.pool, executor, *core.verifier, &core.revoked,
                                           followers, contacts, mailer, notify_options, metrics);
  p->notify->ListenOn(*p->hub);
  p->internal_service->SetNotifyHandler(&p->notify->service());
  went_live = p->notify->went_live_hook();

  // ---- area wiring: sales (the order service's events) ----
  std::vector<rooms::EventConsumer> consumers;
  consumers.push_back(rooms::EventConsumer{sales::kOrderEventPrefix, sales::ApplyOrderEvent});
  // ---- area wiring: the user service's account e-mails (password resets) ----
  consumers.push_back(
      notify::AccountMailConsumer(notify_options.entries.web_base_url, mailer != nullptr));

  p->event_sink = std::make_unique<rooms::EventSinkService>(*core.pool, *p->hub, executor,
                                                            went_live, std::move(consumers));
  PublicAreas areas;
  areas.rooms = p->room_service.get();

  // ---- area routes ----
  areas.chat = p->chat_rpcs.get();
  areas.engagement = p->engagement.get();
  areas.notifications = &p->notify->service();

  p->public_service = std::make_unique<PublicService>(areas);
  core.host->AddService(p->public_service.get());
  core.host->AddInternalService(p->internal_service.get());
  core.host->AddInternalService(p->event_sink.get());
  return std::unique_ptr<App>(new App(std::move(p)));
}

App::App(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

App::~App() { Stop(); }

absl::Status App::Start() {
  Parts& p = *parts_;
  p.core->StartSupport();  // revocations
  // Consumers of the log first, then the listeners that feed them.
  p.hub->Start();
  p.appender->Start();
  p.retention->Start();

  // ---- area start ----
  // The coalescer before the sweeper that feeds it.
  p.coalescer->Start();
  p.sweeper->Start();
  p.notify->Start();

  return p.core->host->Start();
}

void App::Stop() {
  if (stopped_) return;
  stopped_ = true;
  Parts& p = *parts_;
  // Subscribers resume elsewhere at once rather than wait out the drain.
  p.hub->CloseAll(Error(absl::StatusCode::kUnavailable, "SERVER_SHUTTING_DOWN",
                        "this replica is shutting down; resume from your last sequence"));

  // ---- area close ----
  p.notify->CloseSubscribers(Error(absl::StatusCode::kUnavailable, "SERVER_SHUTTING_DOWN",
                                   "this replica is shutting down; subscribe again"));

  p.core->host->Shutdown();

  // ---- area stop ----
  // After the drain: no handler reports changes any more.
  p.sweeper->Stop();
  p.coalescer->Stop();
  p.notify->Stop();

  p.retention->Stop();
  p.appender->Stop();  // after the drain: the Publish calls still in it were waiting on it
  p.hub->Stop();
  p.core->StopSupport();
}

server::ServiceHost& App::host() { return *parts_->core->host; }
rooms::FeedHub& App::hub() { return *parts_->hub; }
rooms::RoomLog& App::room_log() { return *parts_->log; }

int RunMigrate(const Config& config) { return startup::RunMigrate(config.db_dsn, MigrationSets()); }

int RunServer(const Config& config) { return startup::Serve<App>(config); }

}  // namespace shopcast::realtime_push
