#include "notify/notification.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "shopcast/text/utf8.h"

namespace shopcast::realtime_push::notify {
namespace {

bool PrintableAscii(absl::string_view s, size_t min, size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// Valid UTF-8 without control characters other than line ends (bodies may have several lines).
bool CleanText(absl::string_view s, bool allow_newlines) {
  bool clean = true;
  const bool valid = text::ForEachCodePoint(s, [&](uint32_t cp) {
    if (text::IsControl(cp) && !(allow_newlines && cp == '\n')) clean = false;
  });
  return valid && clean;
}

// The first `max_chars` code points of valid UTF-8 `s`.
std::string Truncate(absl::string_view s, int max_chars) {
  size_t end = 0;
  int chars = 0;
  while (end < s.size() && chars < max_chars) {
    const unsigned char c = static_cast<unsigned char>(s[end]);
    end += c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    ++chars;
  }
  return std::string(s.substr(0, std::min(end, s.size())));
}

}  // namespace

absl::Status ValidateNotify(const pb::NotifyRequest& request) {
  if (request.user_ids_size() == 0) {
    return InvalidArgument("user_ids", "RECIPIENTS_MISSING", "name 1 to 1000 recipients");
  }
  if (request.user_ids_size() > kMaxRecipients) {
    return InvalidArgument("user_ids", "TOO_MANY_RECIPIENTS", "at most 1000 recipients per call");
  }
  for (const std::string& id : request.user_ids()) {
    if (!ids::IsValidId(id, "usr")) {
      return InvalidArgument("user_ids", "USER_ID_INVALID", "every recipient must be a usr_ id");
    }
  }
  if (!PrintableAscii(request.dedupe_key(), 1, kMaxDedupeKeyBytes)) {
    return InvalidArgument("dedupe_key", "DEDUPE_KEY_INVALID",
                           "dedupe_key must be 1..128 printable ASCII");
  }
  const pb::Notification& n = request.notification();
  if (n.kind() == pb::NOTIFICATION_KIND_UNSPECIFIED) {
    return InvalidArgument("notification.kind", "KIND_MISSING", "kind is required");
  }
  if (!pb::NotificationKind_IsValid(n.kind())) {
    return InvalidArgument("notification.kind", "KIND_INVALID", "unknown kind");
  }
  const int64_t title_chars = text::CodePointCount(n.title());
  if (title_chars < 0 || !CleanText(n.title(), false)) {
    return InvalidArgument("notification.title", "TEXT_INVALID",
                           "title must be UTF-8 without control characters");
  }
  if (title_chars == 0) {
    return InvalidArgument("notification.title", "TITLE_EMPTY", "title is required");
  }
  if (title_chars > kMaxTitleChars) {
    return InvalidArgument("notification.title", "TITLE_TOO_LONG", "title is 1..120 characters");
  }
  const int64_t body_chars = text::CodePointCount(n.body());
  if (body_chars < 0 || !CleanText(n.body(), true)) {
    return InvalidArgument("notification.body", "TEXT_INVALID",
                           "body must be UTF-8 without control characters");
  }
  if (body_chars > kMaxBodyChars) {
    return InvalidArgument("notification.body", "BODY_TOO_LONG", "body is 0..500 characters");
  }
  if (n.link().size() > kMaxLinkBytes) {
    return InvalidArgument("notification.link", "LINK_TOO_LONG", "link is 0..512 bytes");
  }
  if (!n.link().empty() && (n.link()[0] != '/' || !PrintableAscii(n.link(), 1, kMaxLinkBytes))) {
    return InvalidArgument("notification.link", "LINK_INVALID",
                           "link is an app-relative path of printable ASCII, e.g. /live/str_…");
  }
  for (const auto* related : {&n.stream_id(), &n.product_id(), &n.auction_id(), &n.order_id()}) {
    if (!related->empty() && !PrintableAscii(*related, 1, ids::kMaxIdLength)) {
      return InvalidArgument("notification", "RELATED_ID_INVALID",
                             "related ids are up to 35 printable ASCII characters");
    }
  }
  if (!request.preference().empty() && !IsPreference(request.preference())) {
    return InvalidArgument("preference", "PREFERENCE_INVALID",
                           "preference is empty or one of followed_host_live, outbid, "
                           "order_updates, marketing");
  }
  return absl::OkStatus();
}

bool IsPreference(absl::string_view name) {
  return name == "followed_host_live" || name == "outbid" || name == "order_updates" ||
         name == "marketing";
}

Content ContentOf(const pb::Notification& n) {
  return Content{n.kind(),       n.title(),      n.body(),     n.stream_id(),
                 n.product_id(), n.auction_id(), n.order_id(), n.link()};
}

std::vector<std::string> Recipients(const pb::NotifyRequest& request) {
  std::vector<std::string> out;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& id : request.user_ids()) {
    if (seen.insert(id).second) out.push_back(id);
  }
  return out;
}

std::string CleanTruncated(absl::string_view s, int max_chars) {
  if (!CleanText(s, /*allow_newlines=*/false)) return "";
  return Truncate(s, max_chars);
}

Content GoLiveContent(absl::string_view stream_id, absl::string_view title) {
  Content c;
  c.kind = pb::NOTIFICATION_KIND_FOLLOWED_HOST_LIVE;
  // Stream titles are validated by video-ingest; a title that isn't UTF-8 is not shown.
  const bool usable = !title.empty() && text::CodePointCount(title) > 0;
  c.title = usable ? Truncate(absl::StrCat("Live now: ", title), kMaxTitleChars)
                   : "A host you follow is live";
  c.body = "A host you follow just went live. Tap to watch.";
  c.stream_id = std::string(stream_id);
  c.link = absl::StrCat("/live/", stream_id);
  return c;
}

std::string GoLiveDedupeKey(absl::string_view stream_id) {
  return absl::StrCat("live:", stream_id);
}

bool IsWebBaseUrl(absl::string_view url) {
  if (url.empty()) return true;
  if (url.size() > 200 || url.back() == '/') return false;
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://") && !absl::ConsumePrefix(&rest, "http://")) {
    return false;
  }
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') return false;
  for (char c : rest) {
    if (c <= ' ' || c > '~' ||
        absl::string_view("\"'<>\\?#`{}|^").find(c) != absl::string_view::npos) {
      return false;
    }
  }
  return true;
}

EmailText RenderEmail(const Content& content, absl::string_view display_name,
                      absl::string_view web_base_url) {
  EmailText out;
  out.subject = content.title;
  out.body = display_name.empty() ? "Hi,\n\n" : absl::StrCat("Hi ", display_name, ",\n\n");
  absl::StrAppend(&out.body, content.title, "\n");
  if (!content.body.empty()) absl::StrAppend(&out.body, "\n", content.body, "\n");
  if (!content.link.empty()) {
    absl::StrAppend(&out.body, "\nOpen in Shopcast: ", web_base_url, content.link, "\n");
  }
  absl::StrAppend(&out.body, "\nYou get this because of your notification settings in Shopcast.\n");
  return out;
}

}  // namespace shopcast::realtime_push::notify
