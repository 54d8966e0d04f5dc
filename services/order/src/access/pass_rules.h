#pragma once

// Access passes to gated streams: whether a buyer may buy one for a stream now, and at what
// price. Pure: the stream is video-ingest's answer (LookupStreams), read by the caller.

#include <string>

#include "absl/status/statusor.h"
#include "shopcast/auth/roles.h"
#include "shopcast/common/v1/money.pb.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::order::access {

// The pass an order buys: one line, quantity 1, no shipping.
struct PassQuote {
  std::string stream_id;
  // The stream's host, who is paid for the pass (the order's seller).
  std::string seller_id;
  // The stream's access price now, in its currency (integer minor units).
  common::v1::Money price;
};

// The pass `buyer_id` with `role` would buy for `stream`, or why there is none to buy, all
// FAILED_PRECONDITION with the field access_stream_id:
//   STREAM_NOT_GATED          the stream plays without a pass;
//   OWN_STREAM                the buyer hosts it (a host always plays their own stream);
//   ALREADY_ENTITLED          the buyer is an admin (admins play every stream);
//   STREAM_ENDED              ENDED or ERROR and no replay of it is kept (`replay_kept`):
//                             nothing left to pay for. With a kept replay the pass is for it;
//   ACCESS_PRICE_UNAVAILABLE  gated without a usable price (never from a sound video-ingest).
// Whether the buyer already holds a pass is the store's to say, not this function's.
absl::StatusOr<PassQuote> QuotePass(const video_ingest::v1::StreamRef& stream,
                                    const std::string& buyer_id, auth::Role role,
                                    bool replay_kept = false);

// Whether the stream is over (ENDED or ERROR): a pass is then for its replay, if one is kept.
bool StreamOver(const video_ingest::v1::StreamRef& stream);

// The title of a pass's order line.
std::string PassTitle(const std::string& stream_id);

}  // namespace shopcast::order::access
