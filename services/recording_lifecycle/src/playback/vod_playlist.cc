#include "playback/vod_playlist.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "shopcast/money/money.h"

namespace shopcast::recording_lifecycle::playback {
namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not a valid one.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  uint32_t min = 0;
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) {
    n = 2;
    min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3;
    min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  uint32_t cp = c & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  // C1 controls (U+0080..U+009F) and the line/paragraph separators break some parsers' lines.
  if (cp <= 0x9f || cp == 0x2028 || cp == 0x2029) return 0;
  return n;
}

bool IsCurrencyCode(std::string_view c) {
  return c.size() == 3 &&
         std::all_of(c.begin(), c.end(), [](char x) { return x >= 'A' && x <= 'Z'; });
}

// Seconds with microseconds, "2.000000": exact, so positions never drift over many segments.
std::string Seconds(int64_t us) { return absl::StrFormat("%d.%06d", us / 1000000, us % 1000000); }

}  // namespace

std::optional<MarkerKind> ParseMarkerKind(std::string_view kind) {
  if (kind == "sale") return MarkerKind::kSale;
  if (kind == "auction_sale") return MarkerKind::kAuctionSale;
  if (kind == "pin") return MarkerKind::kPin;
  if (kind == "auction_close") return MarkerKind::kAuctionClose;
  return std::nullopt;
}

std::string_view MarkerClass(MarkerKind kind) {
  switch (kind) {
    case MarkerKind::kSale:
    case MarkerKind::kAuctionSale:
      return "com.shopcast.sale";
    case MarkerKind::kPin:
      return "com.shopcast.pin";
    case MarkerKind::kAuctionClose:
      return "com.shopcast.auction-close";
  }
  return "com.shopcast.sale";
}

std::string QuotedStringSafe(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::string_view piece;
    size_t advance = 1;
    if (c == '"') {
      piece = "'";
    } else if (c < 0x20 || c == 0x7f) {
      piece = " ";
    } else if (c < 0x80) {
      piece = text.substr(i, 1);
    } else if (size_t n = Utf8Length(text, i); n > 0) {
      piece = text.substr(i, n);
      advance = n;
    } else {
      piece = "\xEF\xBF\xBD";  // U+FFFD
    }
    if (out.size() + piece.size() > max_bytes) break;
    out += piece;
    i += advance;
  }
  return out;
}

std::string FormatProgramDateTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

int64_t TotalDurationUs(const std::vector<PlaylistSegment>& segments) {
  int64_t total = 0;
  for (const auto& s : segments) total += s.duration_us;
  return total;
}

std::string BuildVodPlaylist(const PlaylistInput& in) {
  int64_t max_us = 1;
  for (const auto& s : in.segments) max_us = std::max(max_us, s.duration_us);
  const int64_t target = (max_us + 999999) / 1000000;
  const int64_t total = TotalDurationUs(in.segments);

  std::string out = "#EXTM3U\n#EXT-X-VERSION:6\n";
  absl::StrAppend(&out, "#EXT-X-TARGETDURATION:", target, "\n");
  out += "#EXT-X-PLAYLIST-TYPE:VOD\n";
  absl::StrAppend(
      &out, "#EXT-X-MEDIA-SEQUENCE:", in.segments.empty() ? 0 : in.segments.front().sequence, "\n");
  out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  if (in.start_offset_us) {
    const int64_t start = std::clamp<int64_t>(*in.start_offset_us, 0, total);
    absl::StrAppend(&out, "#EXT-X-START:TIME-OFFSET=", Seconds(start), ",PRECISE=YES\n");
  }

  // Segment starts in media time, for placing the markers.
  std::vector<int64_t> starts;
  starts.reserve(in.segments.size());
  int64_t at = 0;
  for (const auto& s : in.segments) {
    starts.push_back(at);
    at += s.duration_us;
  }

  std::vector<const PlaylistMarker*> markers;
  for (const auto& m : in.markers) {
    const bool sale = m.kind == MarkerKind::kSale || m.kind == MarkerKind::kAuctionSale;
    if (sale && m.cancelled) continue;
    markers.push_back(&m);
  }
  std::stable_sort(markers.begin(), markers.end(), [](const auto* a, const auto* b) {
    return a->media_offset_us != b->media_offset_us ? a->media_offset_us < b->media_offset_us
                                                    : a->id < b->id;
  });
  std::vector<std::string_view> seen_ids;
  for (const PlaylistMarker* m : markers) {
    const std::string id = QuotedStringSafe(m->id, 64);
    if (id.empty() || std::find(seen_ids.begin(), seen_ids.end(), m->id) != seen_ids.end()) {
      continue;  // IDs must be unique within a playlist
    }
    seen_ids.push_back(m->id);
    if (in.segments.empty()) break;
    const int64_t offset =
        std::clamp<int64_t>(m->media_offset_us, 0, std::max<int64_t>(0, total - 1));
    // The last segment starting at or before the offset.
    const size_t idx = static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), offset) -
                                           starts.begin() - 1);
    const absl::Time date =
        in.segments[idx].program_date_time + absl::Microseconds(offset - starts[idx]);
    absl::StrAppend(&out, "#EXT-X-DATERANGE:ID=\"", id, "\",CLASS=\"",
                    std::string(MarkerClass(m->kind)), "\",START-DATE=\"",
                    FormatProgramDateTime(date), "\"");
    if (!m->product_id.empty()) {
      absl::StrAppend(&out, ",X-PRODUCT-ID=\"", QuotedStringSafe(m->product_id, 64), "\"");
    }
    if (!m->order_id.empty()) {
      absl::StrAppend(&out, ",X-ORDER-ID=\"", QuotedStringSafe(m->order_id, 64), "\"");
    }
    if (!m->auction_id.empty()) {
      absl::StrAppend(&out, ",X-AUCTION-ID=\"", QuotedStringSafe(m->auction_id, 64), "\"");
    }
    if (!m->result.empty()) {
      absl::StrAppend(&out, ",X-RESULT=\"", QuotedStringSafe(m->result, 32), "\"");
    }
    if (m->quantity > 0) absl::StrAppend(&out, ",X-QUANTITY=", m->quantity);
    if (IsCurrencyCode(m->currency)) {
      absl::StrAppend(&out, ",X-PRICE=\"", money::AmountText(m->amount_minor, m->currency), "\"");
    }
    if (!m->product_title.empty()) {
      absl::StrAppend(&out, ",X-PRODUCT-TITLE=\"", QuotedStringSafe(m->product_title), "\"");
    }
    out += "\n";
  }

  bool first = true;
  for (const auto& s : in.segments) {
    if (s.discontinuity && !first) out += "#EXT-X-DISCONTINUITY\n";
    // Every segment carries its own date: the truth across reconnects and clock jumps.
    absl::StrAppend(&out, "#EXT-X-PROGRAM-DATE-TIME:", FormatProgramDateTime(s.program_date_time),
                    "\n#EXTINF:", Seconds(s.duration_us), ",\n", in.uri_prefix, s.sequence, ".ts",
                    in.uri_suffix, "\n");
    first = false;
  }
  out += "#EXT-X-ENDLIST\n";
  return out;
}

}  // namespace shopcast::recording_lifecycle::playback
