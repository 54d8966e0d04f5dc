#include "streams/validation.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "shopcast/text/utf8.h"
#include "shopcast/text/visible.h"

namespace shopcast::video_ingest::streams {
namespace {

using text::ForEachCodePoint;
using text::IsControl;

bool IsTagChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

absl::StatusOr<std::string> NormalizeTag(absl::string_view tag, absl::string_view field) {
  std::string t = absl::AsciiStrToLower(tag);
  bool ok = !t.empty() && t.size() <= kMaxTagChars;
  for (char c : t) ok = ok && IsTagChar(c);
  if (!ok) {
    return InvalidArgument(field, "TAG_INVALID",
                           "a tag must be 1 to 30 characters of a-z, 0-9 and '-'");
  }
  return t;
}

}  // namespace

int Utf8Length(absl::string_view s) { return static_cast<int>(text::CodePointCount(s)); }

absl::StatusOr<std::string> NormalizeTitle(absl::string_view title, absl::string_view field) {
  auto bad = [&](absl::string_view why) { return InvalidArgument(field, "TITLE_INVALID", why); };
  int n = Utf8Length(title);
  if (n < 1 || n > kMaxTitleChars) return bad("title must be 1 to 120 characters of UTF-8");
  switch (text::CheckUserText(title)) {
    case text::TextProblem::kNone:
      break;
    case text::TextProblem::kBidiControl:
      return bad("title must not hold bidirectional control characters");
    case text::TextProblem::kInvisibleOnly:
      return bad("title is blank");
    default:
      return bad("title must be 1 to 120 characters, without control characters");
  }
  absl::string_view trimmed = absl::StripAsciiWhitespace(title);
  if (trimmed.empty()) return bad("title is blank");
  return std::string(trimmed);
}

absl::Status CheckDescription(absl::string_view description, absl::string_view field) {
  int n = Utf8Length(description);
  if (n < 0 || text::CheckUserText(description, text::TextRules{/*multiline=*/true,
                                                                /*allow_empty=*/true}) !=
                   text::TextProblem::kNone) {
    return InvalidArgument(field, "DESCRIPTION_INVALID",
                           "description must be text without control or bidirectional control "
                           "characters, and not only invisible ones");
  }
  if (n > kMaxDescriptionChars) {
    return InvalidArgument(field, "DESCRIPTION_TOO_LONG",
                           "description must be at most 2000 characters");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> NormalizeTags(const std::vector<std::string>& tags,
                                                       absl::string_view field) {
  if (static_cast<int>(tags.size()) > kMaxTags) {
    return InvalidArgument(field, "TOO_MANY_TAGS", "at most 10 tags");
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& tag : tags) {
    ASSIGN_OR_RETURN(std::string t, NormalizeTag(tag, field));
    if (!seen.insert(t).second) {
      return InvalidArgument(field, "TAG_INVALID", absl::StrCat("duplicate tag: ", t));
    }
    out.push_back(std::move(t));
  }
  return out;
}

absl::StatusOr<std::string> NormalizeTagFilter(absl::string_view tag, absl::string_view field) {
  if (tag.empty()) return std::string();
  return NormalizeTag(tag, field);
}

absl::Status CheckSchedule(const std::optional<absl::Time>& at, absl::Time now,
                           absl::string_view field) {
  if (!at) return absl::OkStatus();
  if (*at <= now || *at > now + kMaxScheduleAhead) {
    return InvalidArgument(field, "SCHEDULE_OUT_OF_RANGE",
                           "scheduled start must be in the future and at most 90 days ahead");
  }
  return absl::OkStatus();
}

absl::Status CheckIdempotencyKey(absl::string_view key) {
  if (key.empty()) {
    return InvalidArgument("idempotency_key", "IDEMPOTENCY_KEY_REQUIRED",
                           "idempotency_key is required");
  }
  bool ok = key.size() <= kMaxIdempotencyKeyBytes;
  for (char c : key) ok = ok && c >= 0x20 && c <= 0x7e;
  if (!ok) {
    return InvalidArgument("idempotency_key", "IDEMPOTENCY_KEY_INVALID",
                           "idempotency_key must be 1 to 64 printable ASCII characters");
  }
  return absl::OkStatus();
}

absl::StatusOr<int> EffectivePageSize(int requested, int max) {
  if (requested == 0) return kDefaultPageSize;
  if (requested < 0 || requested > max) {
    return InvalidArgument("page.page_size", "PAGE_SIZE_INVALID",
                           absl::StrCat("page size must be between 0 and ", max));
  }
  return requested;
}

absl::Status CheckStreamId(absl::string_view id, absl::string_view field) {
  if (!ids::IsValidId(id, "str")) {
    return InvalidArgument(field, "STREAM_ID_INVALID", "not a valid stream id");
  }
  return absl::OkStatus();
}

absl::Status CheckHostFilter(absl::string_view id, absl::string_view field) {
  if (!id.empty() && !ids::IsValidId(id, "usr")) {
    return InvalidArgument(field, "USER_ID_INVALID", "not a valid user id");
  }
  return absl::OkStatus();
}

absl::Status CheckAccessPrice(int64_t amount_minor, absl::string_view currency,
                              absl::string_view field) {
  bool letters = currency.size() == 3;
  for (char c : currency) letters = letters && c >= 'A' && c <= 'Z';
  if (!letters) {
    return InvalidArgument(absl::StrCat(field, ".currency"), "CURRENCY_INVALID",
                           "currency must be an ISO 4217 code of 3 upper-case letters");
  }
  if (amount_minor < 1 || amount_minor > kMaxAccessPriceMinor) {
    return InvalidArgument(absl::StrCat(field, ".amount_minor"), "ACCESS_PRICE_OUT_OF_RANGE",
                           absl::StrCat("an access price must be 1 to ", kMaxAccessPriceMinor,
                                        " minor units of its currency"));
  }
  return absl::OkStatus();
}

absl::Status CheckForceEndReason(absl::string_view reason) {
  bool control = false;
  int n = 0;
  bool valid = ForEachCodePoint(reason, [&](uint32_t cp) {
    ++n;
    control |= IsControl(cp);
  });
  if (!valid || control || n < 1 || n > kMaxForceEndReasonChars) {
    return InvalidArgument("reason", "REASON_INVALID",
                           "reason must be 1 to 500 characters, without control characters");
  }
  return absl::OkStatus();
}

}  // namespace shopcast::video_ingest::streams
