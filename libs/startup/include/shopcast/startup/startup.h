#pragma once

// What every service binary does before and while it starts serving, written once: the
// command line (flags with environment fallback, then the typed Config), the logger, the
// verifying keys, migrations, and the one clear line a failed start-up logs.
//
//   int main(int argc, char** argv) {
//     shopcast::server::BlockShutdownSignals();
//     auto start = shopcast::startup::Begin("order", argc, argv, shopcast::order::LoadConfig);
//     if (!start) return 2;
//     if (start->command == "serve") return shopcast::order::RunServer(start->config);
//     ...
//   }

#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "shopcast/auth/keys.h"
#include "shopcast/db/migrations.h"
#include "shopcast/log/log.h"

namespace shopcast::startup {

// The command a binary was asked to run and its arguments.
struct CommandLine {
  std::string command;            // The first positional word; "serve" when there is none.
  std::vector<std::string> args;  // The words after it.
};

template <typename Config>
struct Invocation {
  Config config;
  std::string command;
  std::vector<std::string> args;
};

// Parses flags with SHOPCAST_<SERVICE>_* environment fallback (config::ParseFlagsWithEnv). On
// failure prints "<service>: <why>" to stderr and returns nullopt (exit code 2).
std::optional<CommandLine> ParseCommandLine(absl::string_view service, int argc, char** argv);

// ParseCommandLine, then `load()` (returning absl::StatusOr<Config>, Config having a
// log::Level log_level), then the logger configured for `service`. On failure prints one line
// to stderr and returns nullopt: the caller exits 2.
template <typename LoadFn>
auto Begin(absl::string_view service, int argc, char** argv, LoadFn load)
    -> std::optional<Invocation<typename decltype(load())::value_type>> {
  using Config = typename decltype(load())::value_type;
  std::optional<CommandLine> line = ParseCommandLine(service, argc, argv);
  if (!line) return std::nullopt;
  absl::StatusOr<Config> config = load();
  if (!config.ok()) {
    std::cerr << service << ": bad configuration: " << config.status().message() << "\n";
    return std::nullopt;
  }
  log::Configure(config->log_level, service);
  return Invocation<Config>{*std::move(config), std::move(line->command), std::move(line->args)};
}

// Logs that start-up failed at `step` (with the status's message, never secrets) and returns
// the process exit code, 1.
int Fail(absl::string_view step, const absl::Status& status);

// `keys` followed by the public keys read from `files` (a private key file yields its public
// half); the first unreadable or invalid file is the error.
absl::StatusOr<std::vector<auth::PublicKey>> LoadVerifyKeys(const std::vector<std::string>& files,
                                                            std::vector<auth::PublicKey> keys = {});

// The `migrate` command: brings the database at `dsn` up to date with `sets`, waiting for it
// to become reachable (db::ApplyMigrationsWhenReachable). Returns the exit code.
int RunMigrate(const std::string& dsn, const std::vector<const db::MigrationSet*>& sets);

// The `serve` command of a service built as an App (App::Create(config), Start, host(), Stop):
// starts it, logs "serving" with its listeners' ports (and what `describe` adds), serves until
// SIGTERM or SIGINT, then stops it. Returns the exit code (Fail's on a failed start).
template <typename App, typename Config>
int Serve(const Config& config, void (*describe)(App&, const Config&, log::Line&) = nullptr) {
  auto app = App::Create(config);
  if (!app.ok()) return Fail("start", app.status());
  if (absl::Status s = (*app)->Start(); !s.ok()) return Fail("listen", s);
  {
    log::Line serving = log::Info("serving");
    serving.Kv("grpc_port", (*app)->host().grpc_port())
        .Kv("internal_grpc_port", (*app)->host().internal_grpc_port());
    if (describe != nullptr) describe(**app, config, serving);
  }
  (*app)->host().WaitForShutdown();
  (*app)->Stop();
  return 0;
}

}  // namespace shopcast::startup
