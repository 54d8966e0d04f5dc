#include "media/date_ranges.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;
// Dates written with a four-digit year, and no earlier than any program date time.
absl::Time Earliest() { return absl::UnixEpoch(); }
absl::Time Latest() { return absl::FromCivil(absl::CivilSecond(9999, 1, 1), absl::UTCTimeZone()); }

int64_t RoundToMs(absl::Duration d) {
  const int64_t ns = absl::ToInt64Nanoseconds(d);
  return ns >= 0 ? (ns + kNsPerMs / 2) / kNsPerMs : -((-ns + kNsPerMs / 2) / kNsPerMs);
}

// As EXT-X-PROGRAM-DATE-TIME is written (live_playlist.cc), so the two compare as text too.
std::string FormatDate(absl::Time t) {
  const absl::Time rounded = absl::FromUnixMillis(RoundToMs(t - absl::UnixEpoch()));
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", rounded, absl::UTCTimeZone());
}

std::string FormatSeconds(absl::Duration d) {
  const int64_t ms = RoundToMs(d);
  return absl::StrFormat("%d.%03d", ms / 1000, ms % 1000);
}

absl::Status Invalid(const char* reason, absl::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, reason, std::string(message));
}

bool IdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
         c == ':';
}

// Reverse DNS in lower case: "com.shopcast.sale".
bool ValidClass(const std::string& c) {
  if (c.size() > kMaxDateRangeIdBytes) return false;
  for (char ch : c) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
    if (!ok) return false;
  }
  return c.empty() || (c.front() != '.' && c.back() != '.');
}

// "X-" then upper-case letters, digits and '-' (an AttributeName, in the client namespace).
bool ValidAttributeName(const std::string& n) {
  if (n.size() <= 2 || n.size() > kMaxDateRangeAttributeNameBytes || n.compare(0, 2, "X-") != 0) {
    return false;
  }
  return std::all_of(n.begin() + 2, n.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool BidiControl(uint32_t cp) {
  return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// The next code point of `s` at `*i` (advancing it), or U+FFFD for one invalid byte.
uint32_t NextCodePoint(std::string_view s, size_t* i) {
  const auto b0 = static_cast<unsigned char>(s[*i]);
  size_t n = 0;
  uint32_t cp = 0;
  if (b0 < 0x80) {
    ++*i;
    return b0;
  } else if ((b0 & 0xe0) == 0xc0) {
    n = 2, cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    n = 3, cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    n = 4, cp = b0 & 0x07;
  } else {
    ++*i;
    return 0xfffd;
  }
  if (*i + n > s.size()) {
    ++*i;
    return 0xfffd;
  }
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[*i + k]);
    if ((b & 0xc0) != 0x80) {
      ++*i;
      return 0xfffd;
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    ++*i;
    return 0xfffd;
  }
  *i += n;
  return cp;
}

bool Earlier(const DateRange& a, const DateRange& b) {
  return std::tie(a.start, a.id) < std::tie(b.start, b.id);
}

}  // namespace

DateRangeAttribute DateRangeAttribute::Text(std::string name, std::string value) {
  return DateRangeAttribute{std::move(name), std::move(value), std::nullopt};
}

DateRangeAttribute DateRangeAttribute::Number(std::string name, int64_t value) {
  return DateRangeAttribute{std::move(name), "", value};
}

absl::Time DateRange::LastMoment() const {
  if (end) return *end;
  if (duration) return start + *duration;
  if (planned_duration) return start + *planned_duration;
  return start;
}

absl::Status ValidateDateRange(const DateRange& r) {
  if (r.id.empty() || r.id.size() > kMaxDateRangeIdBytes ||
      !std::all_of(r.id.begin(), r.id.end(), IdChar)) {
    return Invalid("DATERANGE_ID_INVALID", "a date range id is 1..64 of [A-Za-z0-9._:-]");
  }
  if (!ValidClass(r.class_name)) {
    return Invalid("DATERANGE_CLASS_INVALID", "a date range class is lower-case reverse DNS");
  }
  if (r.start < Earliest() || r.start >= Latest() ||
      (r.end && (*r.end < r.start || *r.end >= Latest()))) {
    return Invalid("DATERANGE_DATES_INVALID", "a date range ends at or after its start");
  }
  for (const std::optional<absl::Duration>& d : {r.duration, r.planned_duration}) {
    if (d && (*d < absl::ZeroDuration() || *d > absl::Hours(24 * 366))) {
      return Invalid("DATERANGE_DATES_INVALID", "a date range duration is 0 to a year");
    }
  }
  if (r.end && r.duration && RoundToMs(*r.end - r.start) != RoundToMs(*r.duration)) {
    return Invalid("DATERANGE_DATES_INVALID", "END-DATE must be START-DATE plus DURATION");
  }
  if (r.attributes.size() > kMaxDateRangeAttributes) {
    return Invalid("DATERANGE_TOO_MANY_ATTRIBUTES", "at most 16 attributes per date range");
  }
  for (size_t i = 0; i < r.attributes.size(); ++i) {
    const DateRangeAttribute& a = r.attributes[i];
    if (!ValidAttributeName(a.name) || (a.number && *a.number < 0)) {
      return Invalid("DATERANGE_ATTRIBUTE_INVALID",
                     "attributes are X-[A-Z0-9-]+ with text or a non-negative integer");
    }
    for (size_t k = 0; k < i; ++k) {
      if (r.attributes[k].name == a.name) {
        return Invalid("DATERANGE_ATTRIBUTE_INVALID", "an attribute appears once per tag");
      }
    }
  }
  return absl::OkStatus();
}

std::string NeutralizeQuotedText(std::string_view value) {
  std::string out;
  out.reserve(std::min(value.size(), kMaxDateRangeTextBytes));
  size_t i = 0;
  while (i < value.size()) {
    uint32_t cp = NextCodePoint(value, &i);
    if (cp == '"') {
      cp = '\'';
    } else if ((cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) || BidiControl(cp) || cp == 0x2028 ||
               cp == 0x2029) {
      cp = ' ';
    }
    std::string ch;
    AppendUtf8(cp, ch);
    if (out.size() + ch.size() > kMaxDateRangeTextBytes) break;
    out += ch;
  }
  return out;
}

std::string RenderDateRange(const DateRange& r) {
  std::string out = absl::StrCat("#EXT-X-DATERANGE:ID=\"", r.id, "\"");
  if (!r.class_name.empty()) absl::StrAppend(&out, ",CLASS=\"", r.class_name, "\"");
  absl::StrAppend(&out, ",START-DATE=\"", FormatDate(r.start), "\"");
  if (r.end) absl::StrAppend(&out, ",END-DATE=\"", FormatDate(*r.end), "\"");
  if (r.duration) absl::StrAppend(&out, ",DURATION=", FormatSeconds(*r.duration));
  if (r.planned_duration) {
    absl::StrAppend(&out, ",PLANNED-DURATION=", FormatSeconds(*r.planned_duration));
  }
  for (const DateRangeAttribute& a : r.attributes) {
    if (a.number) {
      absl::StrAppend(&out, ",", a.name, "=", *a.number);
    } else {
      absl::StrAppend(&out, ",", a.name, "=\"", NeutralizeQuotedText(a.text), "\"");
    }
  }
  out += "\n";
  return out;
}

DateRangeSet::DateRangeSet(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

bool DateRangeSet::Contains(const std::string& id) const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [&](const DateRange& r) { return r.id == id; });
}

absl::StatusOr<bool> DateRangeSet::Add(DateRange range) {
  RETURN_IF_ERROR(ValidateDateRange(range));
  if (Contains(range.id)) return false;
  const std::string id = range.id;
  ranges_.insert(std::upper_bound(ranges_.begin(), ranges_.end(), range, Earlier),
                 std::move(range));
  if (ranges_.size() > capacity_) {
    auto first_ended = std::min_element(ranges_.begin(), ranges_.end(),
                                        [](const DateRange& a, const DateRange& b) {
                                          return std::make_tuple(a.LastMoment(), a.start, a.id) <
                                                 std::make_tuple(b.LastMoment(), b.start, b.id);
                                        });
    const bool evicted_new = first_ended->id == id;
    ranges_.erase(first_ended);
    return !evicted_new;
  }
  return true;
}

size_t DateRangeSet::Prune(absl::Time window_start) {
  const size_t before = ranges_.size();
  std::erase_if(ranges_, [&](const DateRange& r) { return r.LastMoment() < window_start; });
  return before - ranges_.size();
}

std::string DateRangeSet::Render(absl::Time window_start) const {
  std::string out;
  for (const DateRange* r : Listed(window_start)) out += RenderDateRange(*r);
  return out;
}

std::vector<const DateRange*> DateRangeSet::Listed(absl::Time window_start) const {
  std::vector<const DateRange*> out;
  for (const DateRange& r : ranges_) {
    if (r.LastMoment() >= window_start) out.push_back(&r);
  }
  return out;
}

}  // namespace shopcast::video_ingest::media
