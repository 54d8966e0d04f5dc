#pragma once

// Input rules for streams, applied before anything is stored. Each function returns the
// normalised value or INVALID_ARGUMENT with the request field and a reason.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace shopcast::video_ingest::streams {

inline constexpr int kMaxTitleChars = 120;
inline constexpr int kMaxDescriptionChars = 2000;
inline constexpr int kMaxTags = 10;
inline constexpr size_t kMaxTagChars = 30;
inline constexpr size_t kMaxIdempotencyKeyBytes = 64;
inline constexpr int kMaxForceEndReasonChars = 500;
inline constexpr absl::Duration kMaxScheduleAhead = absl::Hours(24 * 90);
inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;
inline constexpr int kMaxSegmentPageSize = 1000;
inline constexpr int kMaxLookupIds = 100;
// The dearest access pass: 100,000.00 in a currency of cents (a typo guard, not a business rule).
inline constexpr int64_t kMaxAccessPriceMinor = 10'000'000;

// Number of code points in `s`, or -1 if it is not valid UTF-8.
int Utf8Length(absl::string_view s);

// 1..120 code points of valid UTF-8 without control or bidirectional control characters and
// not only invisible ones (libs/text CheckUserText); ASCII spaces around it trimmed.
// TITLE_INVALID.
absl::StatusOr<std::string> NormalizeTitle(absl::string_view title,
                                           absl::string_view field = "title");

// 0..2000 code points (DESCRIPTION_TOO_LONG); valid UTF-8 without control characters other
// than newline and tab, without bidirectional controls, and, if not empty, not only invisible
// characters (DESCRIPTION_INVALID).
absl::Status CheckDescription(absl::string_view description,
                              absl::string_view field = "description");

// 0..10 tags (TOO_MANY_TAGS), each 1..30 characters of [a-z0-9-] after lower-casing and unique
// (TAG_INVALID). Returns them lower-cased, in the given order.
absl::StatusOr<std::vector<std::string>> NormalizeTags(const std::vector<std::string>& tags,
                                                       absl::string_view field = "tags");

// Empty, or one tag as NormalizeTags accepts it (a list filter). TAG_INVALID.
absl::StatusOr<std::string> NormalizeTagFilter(absl::string_view tag, absl::string_view field);

// Unset, or after `now` and at most 90 days ahead. SCHEDULE_OUT_OF_RANGE.
absl::Status CheckSchedule(const std::optional<absl::Time>& at, absl::Time now,
                           absl::string_view field = "scheduled_start_at");

// 1..64 printable ASCII characters. IDEMPOTENCY_KEY_REQUIRED when empty, else
// IDEMPOTENCY_KEY_INVALID.
absl::Status CheckIdempotencyKey(absl::string_view key);

// 0 → the default (20); 1..max as is; else PAGE_SIZE_INVALID on page.page_size.
absl::StatusOr<int> EffectivePageSize(int requested, int max = kMaxPageSize);

// A well-formed str_ id. STREAM_ID_INVALID.
absl::Status CheckStreamId(absl::string_view id, absl::string_view field = "stream_id");

// Empty or a well-formed usr_ id (a list filter). USER_ID_INVALID.
absl::Status CheckHostFilter(absl::string_view id, absl::string_view field = "host_id");

// An access price at `field` ("access_price", "stream.access_price"): currency 3 upper-case
// ASCII letters (CURRENCY_INVALID on <field>.currency), amount 1..kMaxAccessPriceMinor minor
// units (ACCESS_PRICE_OUT_OF_RANGE on <field>.amount_minor).
absl::Status CheckAccessPrice(int64_t amount_minor, absl::string_view currency,
                              absl::string_view field);

// 1..500 code points of valid UTF-8 without control characters. REASON_INVALID.
absl::Status CheckForceEndReason(absl::string_view reason);

}  // namespace shopcast::video_ingest::streams
