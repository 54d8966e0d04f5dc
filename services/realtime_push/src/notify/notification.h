#pragma once

// What a notification is before it is stored: its content, its recipient and the key that makes
// it idempotent, plus the rules the internal Notify contract puts on each field. Pure: no
// database, no gRPC.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::realtime_push::notify {

namespace pb = ::shopcast::realtime_push::v1;

inline constexpr int kMaxRecipients = 1000;
inline constexpr int kMaxTitleChars = 120;
inline constexpr int kMaxBodyChars = 500;
inline constexpr size_t kMaxLinkBytes = 512;
inline constexpr size_t kMaxDedupeKeyBytes = 128;

// The part shared by every recipient.
struct Content {
  int kind = 0;  // pb::NotificationKind
  std::string title;
  std::string body;
  std::string stream_id;
  std::string product_id;
  std::string auction_id;
  std::string order_id;
  std::string link;
};

// One inbox entry to create, and the e-mail to send with it when `email_to` is set.
struct NewNotification {
  std::string user_id;
  std::string dedupe_key;
  Content content;
  std::string email_to;
  std::string display_name;  // for the e-mail's greeting
};

// INVALID_ARGUMENT naming the first bad field, with its reason: RECIPIENTS_MISSING,
// TOO_MANY_RECIPIENTS, USER_ID_INVALID, DEDUPE_KEY_INVALID, KIND_MISSING, KIND_INVALID,
// TITLE_EMPTY, TITLE_TOO_LONG, TEXT_INVALID, BODY_TOO_LONG, LINK_TOO_LONG, LINK_INVALID,
// RELATED_ID_INVALID, PREFERENCE_INVALID.
absl::Status ValidateNotify(const pb::NotifyRequest& request);

// Whether `name` is a user.v1.NotificationPreferences flag ("followed_host_live", "outbid",
// "order_updates", "marketing"): what NotifyRequest.preference may name.
bool IsPreference(absl::string_view name);

// The content of a validated request.
Content ContentOf(const pb::Notification& n);

// The distinct recipients of a validated request, in request order.
std::vector<std::string> Recipients(const pb::NotifyRequest& request);

// `s` cut to its first `max_chars` code points when it is valid UTF-8 without control
// characters (a title's rules); "" otherwise, so the caller shows something generic instead.
std::string CleanTruncated(absl::string_view s, int max_chars);

// The go-live notification of a stream titled `title` ("" when untitled).
Content GoLiveContent(absl::string_view stream_id, absl::string_view title);
// Idempotence key of a stream's go-live notifications: one per follower per stream.
std::string GoLiveDedupeKey(absl::string_view stream_id);

// The plain-text e-mail of a notification. Its link is an app path ("/live/str_…",
// "/orders/ord_…"); with `web_base_url` (the web app's address, "https://shop.example") the
// e-mail carries it as an absolute URL a mail reader can open, else as the path.
struct EmailText {
  std::string subject;
  std::string body;
};
EmailText RenderEmail(const Content& content, absl::string_view display_name,
                      absl::string_view web_base_url = "");

// What --web_base_url may be: "" or "http(s)://" + a host (and port, and path), at most 200 bytes
// of printable ASCII without spaces, quotes, angle brackets, backslashes, a query, a fragment or
// a final "/" (the links it prefixes start with one).
bool IsWebBaseUrl(absl::string_view url);

}  // namespace shopcast::realtime_push::notify
