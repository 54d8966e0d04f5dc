#pragma once

// Live timed metadata for one stream's media playlist: EXT-X-DATERANGE tags (RFC 8216bis
// 4.4.5.1) for what other services announce (an item sold, a product pinned, a flash sale, an
// auction closing), so a player shows them in sync with the picture. Pure C++; not thread-safe
// (LivePlaylist holds one under its lock).
//
// The values come from other services (product titles, ids), so nothing reaches the playlist
// unchecked: ids, CLASS and attribute names must match a strict alphabet or the range is
// refused; text values are neutralised (no double quote, line break or other control, no
// bidirectional override, valid UTF-8, bounded length) so a value can never end its quoted
// string, start a tag of its own or smuggle an attribute in; numbers are written only as the
// spec's decimal-floating-point (no sign, no exponent), so an unquoted value never holds a comma.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace shopcast::video_ingest::media {

// One X-<name> attribute: a quoted-string, or a non-negative integer (a decimal-floating-point).
struct DateRangeAttribute {
  std::string name;  // With its "X-" prefix: "X-PRODUCT-ID".
  std::string text;  // The value when `number` is unset (neutralised when rendered).
  std::optional<int64_t> number;

  static DateRangeAttribute Text(std::string name, std::string value);
  static DateRangeAttribute Number(std::string name, int64_t value);
};

struct DateRange {
  std::string id;                 // ID: unique in the playlist; [A-Za-z0-9._:-], 1..64 characters.
  std::string class_name;         // CLASS, reverse DNS ("com.shopcast.sale"); may be empty.
  absl::Time start;               // START-DATE.
  std::optional<absl::Time> end;  // END-DATE; >= start.
  std::optional<absl::Duration> duration;          // DURATION; >= 0, = end - start if both.
  std::optional<absl::Duration> planned_duration;  // PLANNED-DURATION; >= 0.
  std::vector<DateRangeAttribute> attributes;      // In the order written.

  // When the range stops applying to the media: END-DATE, else START-DATE + DURATION, else
  // START-DATE + PLANNED-DURATION, else START-DATE (an instant).
  absl::Time LastMoment() const;
};

// Limits on what other services can make us write.
inline constexpr size_t kMaxDateRangeIdBytes = 64;
inline constexpr size_t kMaxDateRangeAttributeNameBytes = 64;
inline constexpr size_t kMaxDateRangeAttributes = 16;
inline constexpr size_t kMaxDateRangeTextBytes = 256;

// OK, or INVALID_ARGUMENT with a reason (DATERANGE_ID_INVALID, DATERANGE_CLASS_INVALID,
// DATERANGE_ATTRIBUTE_INVALID, DATERANGE_DATES_INVALID, DATERANGE_TOO_MANY_ATTRIBUTES).
absl::Status ValidateDateRange(const DateRange& range);

// `value` made safe for a quoted-string: invalid UTF-8 becomes U+FFFD, '"' becomes '\'',
// control characters (CR, LF, tab included) and bidirectional controls become a space, and it
// is cut to kMaxDateRangeTextBytes on a character boundary.
std::string NeutralizeQuotedText(std::string_view value);

// The tag line (with its "\n") for a range that passed ValidateDateRange. Dates are UTC with
// milliseconds, like EXT-X-PROGRAM-DATE-TIME; durations in seconds with milliseconds.
std::string RenderDateRange(const DateRange& range);

// The date ranges of one stream, bounded: at most `capacity`, the one that ended first evicted
// to make room (never one still applying in favour of an older one).
class DateRangeSet {
 public:
  explicit DateRangeSet(size_t capacity = 64);

  // Adds `range`: true if it is held now; false if a range with its id is already held (the
  // first one stays: RFC 8216bis wants a repeated ID to carry the same attribute values), or
  // if the set is full and `range` ended before every range held. Refused as
  // ValidateDateRange says.
  absl::StatusOr<bool> Add(DateRange range);

  // Forgets the ranges that stopped applying before `window_start` (the first program date
  // time still listed); returns how many.
  size_t Prune(absl::Time window_start);

  // The EXT-X-DATERANGE lines of the ranges still applying at or after `window_start`, by
  // START-DATE then ID. Empty when there are none.
  std::string Render(absl::Time window_start) const;
  // The ranges Render(window_start) writes, in its order (valid until the set changes).
  std::vector<const DateRange*> Listed(absl::Time window_start) const;

  size_t size() const { return ranges_.size(); }
  bool Contains(const std::string& id) const;

 private:
  size_t capacity_;
  std::vector<DateRange> ranges_;  // Sorted by (start, id).
};

}  // namespace shopcast::video_ingest::media
