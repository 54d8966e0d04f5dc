// video-ingest's configuration: secrets never travel as flags (a flag shows in `ps` and in the
// pod spec), and this replica has a name that owns its encoder sessions.
#include "app/config.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"

ABSL_DECLARE_FLAG(std::string, db_dsn);
ABSL_DECLARE_FLAG(std::string, verify_key_files);
ABSL_DECLARE_FLAG(std::string, instance_id);
ABSL_DECLARE_FLAG(std::string, srt_bind_address);
ABSL_DECLARE_FLAG(int, malloc_arena_max);
ABSL_DECLARE_FLAG(absl::Duration, hls_blocking_max_hold);
ABSL_DECLARE_FLAG(int, hls_max_parked);
ABSL_DECLARE_FLAG(bool, ll_hls);
ABSL_DECLARE_FLAG(bool, accept_hevc);
ABSL_DECLARE_FLAG(absl::Duration, part_target);
ABSL_DECLARE_FLAG(absl::Duration, target_duration);
ABSL_DECLARE_FLAG(absl::Duration, thumbnail_interval);
ABSL_DECLARE_FLAG(int, thumbnail_max_size);
ABSL_DECLARE_FLAG(std::string, thumbnail_mode);
ABSL_DECLARE_FLAG(std::string, renditions);
ABSL_DECLARE_FLAG(int, renditions_max_restarts);
ABSL_DECLARE_FLAG(std::string, renditions_fault);
ABSL_DECLARE_FLAG(std::string, passthrough_engine);
ABSL_DECLARE_FLAG(absl::Duration, rtmp_read_batch);
ABSL_DECLARE_FLAG(absl::Duration, rtmp_read_batch_max_delay);

namespace shopcast::video_ingest {
namespace {

TEST_CASE("No flag carries a secret") {
  CHECK(absl::FindCommandLineFlag("srt_passphrase") == nullptr);
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    INFO(name);
    // Paths to secret files are fine; secrets themselves are not.
    if (absl::EndsWith(name, "_file") || absl::EndsWith(name, "_files")) continue;
    CHECK_FALSE(absl::StrContains(name, "passphrase"));
    CHECK_FALSE(absl::StrContains(name, "password"));
    CHECK_FALSE(absl::StrContains(name, "secret"));
  }
}

TEST_CASE(
    "The SRT passphrase comes from the environment, and the instance defaults to the host "
    "name") {
  absl::SetFlag(&FLAGS_db_dsn, "host=127.0.0.1 dbname=video_ingest");
  absl::SetFlag(&FLAGS_verify_key_files, "/dev/null");
  absl::SetFlag(&FLAGS_instance_id, "");
  setenv("SHOPCAST_VIDEO_INGEST_SRT_PASSPHRASE", "correct horse battery", 1);
  absl::StatusOr<Config> config = LoadConfig();
  unsetenv("SHOPCAST_VIDEO_INGEST_SRT_PASSPHRASE");
  REQUIRE(config.ok());
  CHECK(config->srt_passphrase == "correct horse battery");
  CHECK_FALSE(config->instance_id.empty());

  absl::SetFlag(&FLAGS_instance_id, "video-ingest-1");
  config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->instance_id == "video-ingest-1");
  CHECK(config->srt_passphrase.empty());
}

TEST_CASE("The SRT port listens where it is told, on every interface unless told otherwise") {
  absl::SetFlag(&FLAGS_db_dsn, "host=127.0.0.1 dbname=video_ingest");
  absl::SetFlag(&FLAGS_verify_key_files, "/dev/null");
  absl::SetFlag(&FLAGS_instance_id, "video-ingest-0");
  absl::StatusOr<Config> config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->srt_bind_address == "0.0.0.0");  // Like rtmp_addr and hls_addr.

  for (const char* address : {"127.0.0.1", "::1", "::"}) {
    absl::SetFlag(&FLAGS_srt_bind_address, address);
    config = LoadConfig();
    INFO(address);
    REQUIRE(config.ok());
    CHECK(config->srt_bind_address == address);
  }
  // libsrt binds to an address, not a name: a name is refused at start-up, not at first use.
  for (const char* address : {"localhost", "", "127.0.0.1:9000", "0.0.0.0 "}) {
    absl::SetFlag(&FLAGS_srt_bind_address, address);
    config = LoadConfig();
    INFO(address);
    REQUIRE_FALSE(config.ok());
    CHECK(absl::StrContains(config.status().message(), "srt_bind_address"));
  }
  absl::SetFlag(&FLAGS_srt_bind_address, "0.0.0.0");
}

TEST_CASE(
    "Memory settings: two malloc arenas and a trim after each session unless told "
    "otherwise — a negative arena count is refused") {
  absl::SetFlag(&FLAGS_db_dsn, "host=127.0.0.1 dbname=video_ingest");
  absl::SetFlag(&FLAGS_verify_key_files, "/dev/null");
  absl::SetFlag(&FLAGS_instance_id, "video-ingest-0");
  absl::StatusOr<Config> config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->malloc_arena_max == 2);
  CHECK(config->return_free_memory);
  absl::SetFlag(&FLAGS_malloc_arena_max, -1);
  config = LoadConfig();
  absl::SetFlag(&FLAGS_malloc_arena_max, 2);
  CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE(
    "Blocking playlist reloads: held at most 15 s (under the gateway's 20 s), 10,000 at "
    "once, and nonsense refused") {
  absl::SetFlag(&FLAGS_db_dsn, "host=127.0.0.1 dbname=video_ingest");
  absl::SetFlag(&FLAGS_verify_key_files, "/dev/null");
  absl::SetFlag(&FLAGS_instance_id, "video-ingest-0");
  absl::StatusOr<Config> config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->hls_blocking_max_hold == absl::Seconds(15));
  CHECK(config->hls_max_parked == 10000);
  CHECK(config->hls_blocking_cache_max_age == absl::Seconds(6));
  absl::SetFlag(&FLAGS_hls_blocking_max_hold, absl::Minutes(5));
  config = LoadConfig();
  absl::SetFlag(&FLAGS_hls_blocking_max_hold, absl::Seconds(15));
  CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
  absl::SetFlag(&FLAGS_hls_max_parked, 0);
  config = LoadConfig();
  absl::SetFlag(&FLAGS_hls_max_parked, 10000);
  CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("The rendition ladder is off by default and refused at start-up when malformed") {
  absl::SetFlag(&FLAGS_db_dsn, "host=127.0.0.1 dbname=video_ingest");
  absl::SetFlag(&FLAGS_verify_key_files, "/dev/null");
  absl::SetFlag(&FLAGS_instance_id, "video-ingest-0");
  absl::StatusOr<Config> config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->renditions.empty());  // Passthrough only: no rung, no cost.
  CHECK(config->renditions_max_restarts == 3);
  CHECK(config->renditions_fault.empty());

  absl::SetFlag(&FLAGS_renditions, "360p:800,720p:2800,480p:1400");
  config = LoadConfig();
  REQUIRE(config.ok());
  REQUIRE(config->renditions.size() == 3);
  CHECK(config->renditions[0].name == "720p");
  CHECK(config->renditions[0].video_kbps == 2800);
  CHECK(config->renditions[2].name == "360p");

  for (const char* bad :
       {"720p", "720p:2800,720p:1400", "719p:2800", "720x:2800", "720p:20", "720p:2800,"}) {
    INFO(bad);
    absl::SetFlag(&FLAGS_renditions, bad);
    config = LoadConfig();
    REQUIRE_FALSE(config.ok());
    CHECK(absl::StrContains(config.status().message(), "renditions"));
  }
  absl::SetFlag(&FLAGS_renditions, "720p:2800,360p:800");
  absl::SetFlag(&FLAGS_renditions_fault, "360p:1");
  config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->renditions_fault == "360p");
  CHECK(config->renditions_fault_after == 1);
  for (const char* bad : {"480p", "360p:0", "360p:x"}) {
    INFO(bad);
    absl::SetFlag(&FLAGS_renditions_fault, bad);
    CHECK_FALSE(LoadConfig().ok());
  }
  absl::SetFlag(&FLAGS_renditions_fault, "");
  absl::SetFlag(&FLAGS_renditions_max_restarts, 21);
  CHECK_FALSE(LoadConfig().ok());
  absl::SetFlag(&FLAGS_renditions_max_restarts, 3);
  absl::SetFlag(&FLAGS_renditions, "");
}

}  // namespace
}  // namespace shopcast::video_ingest

namespace shopcast::video_ingest {
namespace {

TEST_CASE("The advertised HLS origin: as configured, or derived from the listen address") {
  CHECK(AdvertisedHlsOrigin("http://vi-1.video-ingest-hls:8088", "0.0.0.0", 8088, "pod") ==
        "http://vi-1.video-ingest-hls:8088");
  CHECK(AdvertisedHlsOrigin("", "127.0.0.1", 40123, "pod") == "http://127.0.0.1:40123");
  CHECK(AdvertisedHlsOrigin("", "0.0.0.0", 8088, "video-ingest-2") == "http://video-ingest-2:8088");
  CHECK(AdvertisedHlsOrigin("", "::", 8088, "video-ingest-2") == "http://video-ingest-2:8088");
  CHECK(AdvertisedHlsOrigin("", "::1", 8088, "h") == "http://[::1]:8088");
  CHECK(IsOriginUrl("http://video-ingest-0.video-ingest-hls.shopcast.svc:8088"));
  CHECK(IsOriginUrl("http://[::1]:8088"));
  CHECK_FALSE(IsOriginUrl("https://x:8088"));
  CHECK_FALSE(IsOriginUrl("http://x:8088/live"));
  CHECK_FALSE(IsOriginUrl("http://user@x:8088"));
  CHECK_FALSE(IsOriginUrl("http://"));
}

TEST_CASE("Low-Latency HLS is on by default with a part target that fits the segments") {
  absl::SetFlag(&FLAGS_db_dsn, "host=127.0.0.1 dbname=video_ingest");
  absl::SetFlag(&FLAGS_verify_key_files, "/dev/null");
  absl::SetFlag(&FLAGS_instance_id, "video-ingest-0");
  absl::StatusOr<Config> config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->ll_hls);
  CHECK(config->part_target == absl::Milliseconds(334));

  for (absl::Duration bad : {absl::Milliseconds(50), absl::Milliseconds(1500)}) {
    absl::SetFlag(&FLAGS_part_target, bad);
    config = LoadConfig();
    CHECK(absl::StrContains(config.status().message(), "part_target"));
  }
  // More than half the target duration: a segment could not hold two parts.
  absl::SetFlag(&FLAGS_part_target, absl::Milliseconds(600));
  absl::SetFlag(&FLAGS_target_duration, absl::Seconds(1));
  CHECK_FALSE(LoadConfig().ok());
  // With Low-Latency HLS off the part target is not used, whatever it says.
  absl::SetFlag(&FLAGS_ll_hls, false);
  config = LoadConfig();
  REQUIRE(config.ok());
  CHECK_FALSE(config->ll_hls);
  absl::SetFlag(&FLAGS_ll_hls, true);
  absl::SetFlag(&FLAGS_part_target, absl::Milliseconds(334));
  absl::SetFlag(&FLAGS_target_duration, absl::Seconds(2));
}

TEST_CASE(
    "Thumbnails lazy with a 4 s interval by default, eager when asked, off with a zero interval, "
    "sizes bounded") {
  absl::SetFlag(&FLAGS_db_dsn, "host=127.0.0.1 dbname=video_ingest");
  absl::SetFlag(&FLAGS_verify_key_files, "/dev/null");
  absl::SetFlag(&FLAGS_instance_id, "video-ingest-0");
  absl::StatusOr<Config> config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->thumbnail_interval == absl::Seconds(4));
  CHECK(config->thumbnail_max_size == 640);
  CHECK(config->thumbnail_threads == 1);
  CHECK(config->thumbnail_mode == "lazy");
  absl::SetFlag(&FLAGS_thumbnail_mode, "eager");
  config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->thumbnail_mode == "eager");
  absl::SetFlag(&FLAGS_thumbnail_mode, "sometimes");
  CHECK_FALSE(LoadConfig().ok());
  absl::SetFlag(&FLAGS_thumbnail_mode, "lazy");

  absl::SetFlag(&FLAGS_thumbnail_interval, absl::ZeroDuration());
  config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->thumbnail_interval == absl::ZeroDuration());

  absl::SetFlag(&FLAGS_thumbnail_interval, absl::Milliseconds(200));
  CHECK_FALSE(LoadConfig().ok());
  absl::SetFlag(&FLAGS_thumbnail_interval, absl::Seconds(4));
  absl::SetFlag(&FLAGS_thumbnail_max_size, 10);
  CHECK_FALSE(LoadConfig().ok());
  absl::SetFlag(&FLAGS_thumbnail_max_size, 640);
}

TEST_CASE("HEVC is refused by default (passthrough only), taken with a ladder or when asked") {
  absl::SetFlag(&FLAGS_db_dsn, "host=127.0.0.1 dbname=video_ingest");
  absl::SetFlag(&FLAGS_verify_key_files, "/dev/null");
  absl::SetFlag(&FLAGS_instance_id, "video-ingest-0");
  absl::StatusOr<Config> config = LoadConfig();
  REQUIRE(config.ok());
  CHECK_FALSE(config->accept_hevc);
  CHECK_FALSE(config->AcceptsHevc());
  absl::SetFlag(&FLAGS_accept_hevc, true);
  config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->accept_hevc);
  CHECK(config->AcceptsHevc());
  absl::SetFlag(&FLAGS_accept_hevc, false);
  // The ladder's H.264 rungs play in every browser: HEVC in is taken.
  absl::SetFlag(&FLAGS_renditions, "360p:800");
  config = LoadConfig();
  REQUIRE(config.ok());
  CHECK_FALSE(config->accept_hevc);
  CHECK(config->AcceptsHevc());
  absl::SetFlag(&FLAGS_renditions, "");
}

TEST_CASE("RTMP passthrough runs natively by default, on GStreamer when asked, nothing else") {
  absl::SetFlag(&FLAGS_db_dsn, "host=127.0.0.1 dbname=video_ingest");
  absl::SetFlag(&FLAGS_verify_key_files, "/dev/null");
  absl::SetFlag(&FLAGS_instance_id, "video-ingest-0");
  absl::StatusOr<Config> config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->passthrough_engine == "native");
  absl::SetFlag(&FLAGS_passthrough_engine, "gstreamer");
  config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->passthrough_engine == "gstreamer");
  absl::SetFlag(&FLAGS_passthrough_engine, "ffmpeg");
  config = LoadConfig();
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(std::string(config.status().message()), Catch::Contains("passthrough_engine"));
  absl::SetFlag(&FLAGS_passthrough_engine, "native");
}

TEST_CASE(
    "RTMP reads are batched by 30 ms of a publisher's bytes and at most 100 ms late, or off") {
  absl::SetFlag(&FLAGS_db_dsn, "host=127.0.0.1 dbname=video_ingest");
  absl::SetFlag(&FLAGS_verify_key_files, "/dev/null");
  absl::SetFlag(&FLAGS_instance_id, "video-ingest-0");
  absl::StatusOr<Config> config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->rtmp_read_batch == absl::Milliseconds(30));
  CHECK(config->rtmp_read_batch_max_delay == absl::Milliseconds(100));
  absl::SetFlag(&FLAGS_rtmp_read_batch, absl::ZeroDuration());
  config = LoadConfig();
  REQUIRE(config.ok());
  CHECK(config->rtmp_read_batch == absl::ZeroDuration());
  absl::SetFlag(&FLAGS_rtmp_read_batch, absl::Seconds(1));
  config = LoadConfig();
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(std::string(config.status().message()), Catch::Contains("rtmp_read_batch"));
  absl::SetFlag(&FLAGS_rtmp_read_batch, absl::Milliseconds(30));
  absl::SetFlag(&FLAGS_rtmp_read_batch_max_delay, absl::Milliseconds(1));
  CHECK_FALSE(LoadConfig().ok());
  absl::SetFlag(&FLAGS_rtmp_read_batch_max_delay, absl::Milliseconds(100));
}

}  // namespace
}  // namespace shopcast::video_ingest
