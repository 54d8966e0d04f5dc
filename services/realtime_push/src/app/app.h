#pragma once

// Everything one realtime-push process runs, built from a Config: the database pool, the
// areas (rooms, chat, engagement, notifications), the gRPC host and the background loops.
// The binary and the tests build the same App, so tests run the real wiring.

#include <memory>

#include "absl/status/statusor.h"
#include "app/config.h"
#include "shopcast/server/host.h"

namespace shopcast::realtime_push {

namespace rooms {
class FeedHub;
class RoomLog;
}  // namespace rooms
class FollowerSource;
class ContactSource;
namespace mail {
class Mailer;
}  // namespace mail

// Stand-ins for peers, for tests: the App uses these (they must outlive it) instead of
// building its own from the Config. Null: built from the Config as in production.
struct AppOverrides {
  FollowerSource* followers = nullptr;  // notifications: the user service's followers
  mail::Mailer* mailer = nullptr;       // notifications: the SMTP relay
  ContactSource* contacts = nullptr;    // notifications: the user service's contacts
};

class App {
 public:
  // Loads keys and credentials, migrates, opens the pool and builds every area. Serves nothing
  // until Start().
  static absl::StatusOr<std::unique_ptr<App>> Create(const Config& config,
                                                     const AppOverrides& overrides = {});
  ~App();  // Stop()s.

  // Background loops, then the listeners.
  absl::Status Start();
  // Subscribers are told to resume elsewhere, calls drained, loops stopped. Idempotent.
  void Stop();

  server::ServiceHost& host();
  rooms::FeedHub& hub();
  rooms::RoomLog& room_log();

  struct Parts;

 private:
  explicit App(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
  bool stopped_ = false;
};

// `serve`: App until SIGTERM/SIGINT; returns the exit code.
int RunServer(const Config& config);
// `migrate`: apply migrations and exit.
int RunMigrate(const Config& config);

}  // namespace shopcast::realtime_push
