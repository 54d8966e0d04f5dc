#include "shopcast/startup/startup.h"

#include "absl/synchronization/mutex.h"
#include "shopcast/config/flags.h"
#include "shopcast/status/status.h"

namespace shopcast::startup {

std::optional<CommandLine> ParseCommandLine(absl::string_view service, int argc, char** argv) {
#ifdef NDEBUG
  // Debian's Abseil checks every mutex acquisition for lock-order cycles (its debug default);
  // profiled at ~8% of realtime-push's CPU under fan-out. Release binaries skip it; debug
  // builds, which the tests run, keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  absl::StatusOr<std::vector<std::string>> positional =
      config::ParseFlagsWithEnv(service, argc, argv);
  if (!positional.ok()) {
    std::cerr << service << ": " << positional.status().message() << "\n";
    return std::nullopt;
  }
  CommandLine line;
  line.command = positional->size() > 1 ? (*positional)[1] : "serve";
  if (positional->size() > 2) line.args.assign(positional->begin() + 2, positional->end());
  return line;
}

int Fail(absl::string_view step, const absl::Status& status) {
  log::Error("startup_failed").Kv("step", step).Kv("detail", std::string(status.message()));
  return 1;
}

absl::StatusOr<std::vector<auth::PublicKey>> LoadVerifyKeys(const std::vector<std::string>& files,
                                                            std::vector<auth::PublicKey> keys) {
  for (const std::string& path : files) {
    ASSIGN_OR_RETURN(auth::PublicKey key, auth::LoadPublicKeyFile(path));
    keys.push_back(std::move(key));
  }
  return keys;
}

int RunMigrate(const std::string& dsn, const std::vector<const db::MigrationSet*>& sets) {
  if (absl::Status s = db::ApplyMigrationsWhenReachable(dsn, sets); !s.ok()) {
    return Fail("migrate", s);
  }
  log::Info("migrations_applied");
  return 0;
}

}  // namespace shopcast::startup
