#pragma once

// The public RecordingLifecycleService: one gRPC class whose methods forward to the areas that
// implement them. Methods no area implements answer UNIMPLEMENTED (the generated default, or
// NOT_SERVED when the App wired no such area).

#include "shopcast/recording_lifecycle/v1/recording_lifecycle.grpc.pb.h"

// ---- area headers ----
#include "clips/clips_rpcs.h"
#include "playback/playback_rpcs.h"
#include "policies/tiers_rpcs.h"
#include "recordings/recordings_rpcs.h"

// Declares the override of unary `Method` (request and response named after it).
#define SHOPCAST_RL_UNARY(Method)                                      \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,   \
                                   const v1::Method##Request* request, \
                                   v1::Method##Response* response) override

namespace shopcast::recording_lifecycle {

// The areas' handlers; those left null are not served.
struct PublicAreas {
  // ---- recordings ----
  recordings::RecordingsRpcs* recordings = nullptr;
  // ---- playback ----
  playback::PlaybackRpcs* playback = nullptr;
  // ---- tiers ----
  policies::TiersRpcs* tiers = nullptr;
  // ---- clips and thumbnails ----
  clips::ClipsRpcs* clips = nullptr;
};

class PublicService : public v1::RecordingLifecycleService::CallbackService {
 public:
  explicit PublicService(PublicAreas areas) : areas_(areas) {}

  // ---- recordings ----
  SHOPCAST_RL_UNARY(GetRecording);
  SHOPCAST_RL_UNARY(ListRecordings);
  SHOPCAST_RL_UNARY(ListMoments);
  SHOPCAST_RL_UNARY(SaveOrDelete);
  SHOPCAST_RL_UNARY(UpdateRecording);
  // ---- playback ----
  SHOPCAST_RL_UNARY(GetPlaybackUrl);
  // ---- tiers ----
  SHOPCAST_RL_UNARY(GetAgingPolicy);
  SHOPCAST_RL_UNARY(ListAgingPolicies);
  SHOPCAST_RL_UNARY(CreateAgingPolicy);
  SHOPCAST_RL_UNARY(UpdateAgingPolicy);
  SHOPCAST_RL_UNARY(MoveRecording);
  SHOPCAST_RL_UNARY(SetLegalHold);
  // ---- clips and thumbnails ----
  SHOPCAST_RL_UNARY(CreateClip);
  SHOPCAST_RL_UNARY(GetClip);
  SHOPCAST_RL_UNARY(ListClips);
  SHOPCAST_RL_UNARY(DeleteClip);
  SHOPCAST_RL_UNARY(ListThumbnails);
  SHOPCAST_RL_UNARY(SetPrimaryThumbnail);

 private:
  PublicAreas areas_;
};

}  // namespace shopcast::recording_lifecycle
