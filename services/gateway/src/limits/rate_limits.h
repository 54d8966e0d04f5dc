#pragma once

// Token buckets at the edge, per action and per caller: per user once signed in, per client
// address before. Shared by the JSON API and the WebSocket hub (chat and likes arrive as frames).

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace shopcast::gateway {

// The limited actions. Each has its own bucket size and refill rate (configuration).
enum class RateAction {
  kLogin,
  kRegister,
  // A new access token from the refresh cookie: every page load of a signed-in visitor. Its own
  // bucket, looser than login's: the cookie cannot be guessed, so this only bounds how fast one
  // address reloads pages (a household or an office shares one).
  kRefresh,
  kChat,
  kReaction,
  kBid,
  kReserve,
  kCheckout,
  // Asking for a password-reset e-mail (per address, before sign-in): each sends an e-mail.
  kPasswordReset,
  kOtherWrite,  // every other state-changing call, generously
};

class RateLimits {
 public:
  virtual ~RateLimits() = default;
  // Takes one token from the bucket of (action, caller). Zero: allowed. Otherwise refused, and
  // the wait until a token is back (the Retry-After, rounded up to whole seconds by the caller).
  // `caller` is "u:<user id>" or "a:<address>". Thread-safe, never blocks.
  virtual absl::Duration Take(RateAction action, absl::string_view caller, absl::Time now) = 0;
};

}  // namespace shopcast::gateway
