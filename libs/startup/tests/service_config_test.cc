#include "shopcast/startup/service_config.h"

#include <catch2/catch.hpp>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"

// The flags as a service defines them (a test binary is its own "service").
SHOPCAST_SERVICE_FLAGS("svc", "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", "EventSink");
SHOPCAST_PAGE_TOKEN_FLAG();
SHOPCAST_EVENT_SINKS_FLAG("realtime_push=…");

namespace {

namespace startup = shopcast::startup;

// Flags a valid configuration needs; each test changes one thing. Restored after each test.
struct ValidFlags {
  absl::FlagSaver saver;
  ValidFlags() {
    absl::SetFlag(&FLAGS_db_dsn, "host=/tmp dbname=svc");
    absl::SetFlag(&FLAGS_verify_key_files, "/k/a.pem,/k/b.pem");
  }
};

std::string ErrorOf(const absl::Status& s) { return std::string(s.message()); }

}  // namespace

TEST_CASE("the shared flags read into ServiceConfig with this binary's defaults") {
  ValidFlags flags;
  absl::SetFlag(&FLAGS_service_cert_file, "/tls/svc.crt");
  absl::SetFlag(&FLAGS_log_level, "warn");
  startup::ServiceConfig c;
  REQUIRE(startup::ReadServiceConfig(c).ok());
  CHECK(c.grpc_addr == "127.0.0.1:1");
  CHECK(c.metrics_addr == "127.0.0.1:2");
  CHECK(c.internal_grpc_addr == "127.0.0.1:3");
  CHECK(c.service_tls.cert_file == "/tls/svc.crt");
  CHECK(c.verify_key_files == std::vector<std::string>{"/k/a.pem", "/k/b.pem"});
  CHECK(c.token_issuer == "shopcast-user");
  CHECK(c.db_pool_size == 8);
  CHECK(c.drain_timeout == absl::Seconds(20));
  CHECK(c.log_level == shopcast::log::Level::kWarn);
}

TEST_CASE("each bad shared setting is refused, naming the flag and not the value") {
  ValidFlags flags;
  startup::ServiceConfig c;
  SECTION("no database") {
    absl::SetFlag(&FLAGS_db_dsn, "");
    CHECK(ErrorOf(startup::ReadServiceConfig(c)) == "db_dsn is required");
  }
  SECTION("a password in the DSN is refused without echoing it") {
    absl::SetFlag(&FLAGS_db_dsn, "host=/tmp password=hunter2");
    std::string error = ErrorOf(startup::ReadServiceConfig(c));
    CHECK(error.find("db_dsn must not contain a password") == 0);
    CHECK(error.find("hunter2") == std::string::npos);
  }
  SECTION("pool size out of range") {
    absl::SetFlag(&FLAGS_db_pool_size, 1);
    CHECK(ErrorOf(startup::ReadServiceConfig(c)) == "db_pool_size must be 2..256");
    absl::SetFlag(&FLAGS_db_pool_size, 257);
    CHECK(ErrorOf(startup::ReadServiceConfig(c)) == "db_pool_size must be 2..256");
  }
  SECTION("no verifying keys") {
    absl::SetFlag(&FLAGS_verify_key_files, ",");
    CHECK(ErrorOf(startup::ReadServiceConfig(c)) == "verify_key_files is required");
  }
  SECTION("empty audience") {
    absl::SetFlag(&FLAGS_token_audience, "");
    CHECK(!startup::ReadServiceConfig(c).ok());
  }
  SECTION("revocations pulled too often, negative unready delay or drain") {
    absl::SetFlag(&FLAGS_revocation_sync_interval, absl::Milliseconds(99));
    CHECK(!startup::ReadServiceConfig(c).ok());
    absl::SetFlag(&FLAGS_revocation_sync_interval, absl::Seconds(1));
    absl::SetFlag(&FLAGS_shutdown_unready_delay, absl::Seconds(-1));
    CHECK(!startup::ReadServiceConfig(c).ok());
    absl::SetFlag(&FLAGS_shutdown_unready_delay, absl::ZeroDuration());
    absl::SetFlag(&FLAGS_drain_timeout, absl::Seconds(-1));
    CHECK(ErrorOf(startup::ReadServiceConfig(c)) == "drain_timeout must be >= 0");
  }
  SECTION("a revocation long poll outside 0..60 s") {
    absl::SetFlag(&FLAGS_revocation_long_poll, absl::Seconds(61));
    CHECK(ErrorOf(startup::ReadServiceConfig(c)) == "revocation_long_poll must be 0..60s");
    absl::SetFlag(&FLAGS_revocation_long_poll, absl::Seconds(-1));
    CHECK(ErrorOf(startup::ReadServiceConfig(c)) == "revocation_long_poll must be 0..60s");
    absl::SetFlag(&FLAGS_revocation_long_poll, absl::ZeroDuration());
    REQUIRE(startup::ReadServiceConfig(c).ok());
    CHECK(c.revocation_long_poll == absl::ZeroDuration());
    absl::SetFlag(&FLAGS_revocation_long_poll, absl::Seconds(30));
  }
  SECTION("unknown log level") {
    absl::SetFlag(&FLAGS_log_level, "verbose");
    CHECK(ErrorOf(startup::ReadServiceConfig(c)) == "log_level must be debug, info, warn or error");
  }
}

TEST_CASE("event sinks are destination=host:port pairs") {
  ValidFlags flags;
  startup::ServiceConfig c;
  absl::SetFlag(&FLAGS_event_sinks, "realtime_push=h:1,recording_lifecycle=h:2");
  REQUIRE(startup::ReadEventSinks(c).ok());
  CHECK(c.event_sinks == std::map<std::string, std::string>{{"realtime_push", "h:1"},
                                                            {"recording_lifecycle", "h:2"}});
  for (const char* bad : {"realtime_push", "=h:1", "realtime_push=", "a=h:1,b"}) {
    absl::SetFlag(&FLAGS_event_sinks, bad);
    CAPTURE(bad);
    CHECK(ErrorOf(startup::ReadEventSinks(c)) == "event_sinks must be destination=host:port,…");
  }
  absl::SetFlag(&FLAGS_event_sinks, "");
  REQUIRE(startup::ReadEventSinks(c).ok());
  CHECK(c.event_sinks.empty());
}

TEST_CASE("an event sink may be a gRPC multi-address target (replicas behind one channel)") {
  ValidFlags flags;
  startup::ServiceConfig c;
  absl::SetFlag(&FLAGS_event_sinks,
                "realtime_push=ipv4:127.0.0.1:1,127.0.0.1:2,video_ingest=h:3,"
                "recording_lifecycle=ipv6:[::1]:4,[::1]:5");
  REQUIRE(startup::ReadEventSinks(c).ok());
  CHECK(c.event_sinks ==
        std::map<std::string, std::string>{{"realtime_push", "ipv4:127.0.0.1:1,127.0.0.1:2"},
                                           {"video_ingest", "h:3"},
                                           {"recording_lifecycle", "ipv6:[::1]:4,[::1]:5"}});
  // Only such targets continue: a bare part after an ordinary address is still malformed.
  absl::SetFlag(&FLAGS_event_sinks, "a=dns:///h:1,h:2");
  CHECK(ErrorOf(startup::ReadEventSinks(c)) == "event_sinks must be destination=host:port,…");
}

TEST_CASE("the page-token key file is read as given") {
  ValidFlags flags;
  startup::ServiceConfig c;
  absl::SetFlag(&FLAGS_page_token_key_file, "/secrets/page.key");
  REQUIRE(startup::ReadPageTokenKeyFile(c).ok());
  CHECK(c.page_token_key_file == "/secrets/page.key");
}
