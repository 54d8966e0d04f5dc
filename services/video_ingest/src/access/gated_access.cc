#include "access/gated_access.h"

namespace shopcast::video_ingest::access {
namespace {

using hls::AccessDecision;

AccessDecision FromProblem(TokenProblem problem) {
  switch (problem) {
    case TokenProblem::kNone:
      return AccessDecision::kAllowed;
    case TokenProblem::kMalformed:
      return AccessDecision::kTokenMalformed;
    case TokenProblem::kForged:
      return AccessDecision::kTokenForged;
    case TokenProblem::kExpired:
      return AccessDecision::kTokenExpired;
    case TokenProblem::kWrongStream:
      return AccessDecision::kTokenWrongStream;
  }
  return AccessDecision::kTokenMalformed;
}

}  // namespace

GatedAccess::GatedAccess(AccessCache& cache, const PlaybackTokenCodec& codec,
                         std::function<absl::Time()> wall_now)
    : cache_(cache), codec_(codec), wall_now_(std::move(wall_now)) {}

AccessDecision GatedAccess::Check(const std::string& stream_id,
                                  std::optional<std::string_view> token) const {
  absl::StatusOr<StreamGate> gate = cache_.Gate(stream_id);
  if (!gate.ok()) return AccessDecision::kUnavailable;
  if (!gate->gated) return AccessDecision::kOpen;
  if (!token) return AccessDecision::kTokenMissing;
  PlaybackClaims claims;
  const TokenProblem problem = codec_.Verify(absl::string_view(token->data(), token->size()),
                                             stream_id, wall_now_(), &claims);
  if (problem != TokenProblem::kNone) return FromProblem(problem);
  switch (claims.holder) {
    case TokenHolder::kAdmin:
      return AccessDecision::kAllowed;
    case TokenHolder::kHost:
      return claims.viewer_id == gate->host_id ? AccessDecision::kAllowed
                                               : AccessDecision::kTokenForged;
    case TokenHolder::kViewer:
      break;
  }
  absl::StatusOr<bool> has = cache_.HasPass(claims.viewer_id, stream_id);
  if (!has.ok()) return AccessDecision::kUnavailable;
  return *has ? AccessDecision::kAllowed : AccessDecision::kPassRevoked;
}

}  // namespace shopcast::video_ingest::access
