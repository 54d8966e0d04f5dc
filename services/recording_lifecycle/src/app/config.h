#pragma once

// recording-lifecycle's configuration, from flags with SHOPCAST_RECORDING_LIFECYCLE_*
// environment fallback.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clips/clip_worker.h"
#include "clips/clips.h"
#include "mover/tiers_flags.h"
#include "playback/playback.h"
#include "playback/vod_origin.h"
#include "shopcast/startup/service_config.h"

namespace shopcast::recording_lifecycle {

// The shared settings (listeners, TLS, database, tokens, revocations, page tokens, event sinks,
// shutdown, logging) come from startup::ServiceConfig; the areas' own follow.
struct Config : startup::ServiceConfig {
  // ---- recordings ----
  // video-ingest's segment root: the hot tier (tiers.tiers.hot_root, flag --hot_root). Object
  // keys are SegmentClosed.path ("str_…/000041.ts") under it. Required.
  std::string hot_root;

  // ---- tiers: the three tiers, the mover, the purger, aging (mover/tiers_flags.h) ----
  mover::TiersConfig tiers;

  // ---- playback: signed VOD URLs and the VOD origin ----
  // HMAC key of VOD tokens (at least 32 bytes), shared by every replica. Required.
  std::string vod_token_key_file;
  playback::PlaybackOptions playback;
  playback::VodOriginOptions vod_origin;

  // ---- clips and thumbnails ----
  clips::ClipsOptions clips;
  clips::ClipWorkerOptions clip_worker;

  // ---- markers ----
  // A marker still not placed this long after it arrived is an orphan (metric and log line).
  absl::Duration orphan_grace = absl::Minutes(5);
  // How often the orphan report runs.
  absl::Duration integrity_interval = absl::Minutes(1);
};

// Reads the parsed flags into a Config; an absent or malformed value is an error naming it.
absl::StatusOr<Config> LoadConfig();

}  // namespace shopcast::recording_lifecycle
