#include "format.h"

#include <charconv>
#include <cmath>

#include "absl/time/time.h"

namespace shopcast::log::internal {
namespace {

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

// Length of the valid UTF-8 sequence starting at s[i] (a non-ASCII lead byte), or 0.
size_t Utf8SequenceLength(absl::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if ((b0 & 0xe0) == 0xc0) {
    n = 2;
    cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    n = 3;
    cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    n = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

// Bytes that stand for themselves inside a JSON string: printable ASCII but '"' and '\\'.
constexpr bool IsPlain(unsigned char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

}  // namespace

void AppendJsonString(absl::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    // Most text needs no escaping: copy runs of it at once, not byte by byte.
    size_t plain = i;
    while (plain < s.size() && IsPlain(static_cast<unsigned char>(s[plain]))) ++plain;
    out->append(s.data() + i, plain - i);
    i = plain;
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        out->append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
        ++i;
      } else {
        out->append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out->append(escaped, sizeof escaped);
      }
    }
    ++i;
  }
  out->push_back('"');
}

void AppendJsonLine(const Record& rec, absl::string_view service, TimeCache& times,
                    std::string* out) {
  const int64_t ms = absl::ToUnixMillis(rec.ts);
  const int64_t second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  if (second != times.second) {
    times.second = second;
    times.prefix =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second), absl::UTCTimeZone());
  }
  const int64_t milli = ms - second * 1000;
  out->append("{\"ts\":\"");
  out->append(times.prefix);
  out->push_back('.');
  out->push_back(static_cast<char>('0' + milli / 100));
  out->push_back(static_cast<char>('0' + milli / 10 % 10));
  out->push_back(static_cast<char>('0' + milli % 10));
  out->append("Z\",\"level\":\"");
  out->append(LevelName(rec.level));
  out->append("\"");
  if (!service.empty()) {
    out->append(",\"service\":");
    AppendJsonString(service, out);
  }
  out->append(",\"event\":");
  AppendJsonString(rec.event(), out);
  char buf[32];  // any number's text (shortest round-trip for doubles), without printf
  for (const Field& f : rec.fields) {
    out->push_back(',');
    AppendJsonString(rec.key(f), out);
    out->push_back(':');
    switch (f.kind) {
      case Field::Kind::kString:
        AppendJsonString(rec.text(f), out);
        break;
      case Field::Kind::kInt:
        out->append(buf, std::to_chars(buf, buf + sizeof buf, f.num.i).ptr);
        break;
      case Field::Kind::kUint:
        out->append(buf, std::to_chars(buf, buf + sizeof buf, f.num.u).ptr);
        break;
      case Field::Kind::kDouble:
        if (std::isfinite(f.num.d)) {
          out->append(buf, std::to_chars(buf, buf + sizeof buf, f.num.d).ptr);
        } else {
          out->append("null");  // JSON has no NaN or infinity.
        }
        break;
      case Field::Kind::kBool:
        out->append(f.num.b ? "true" : "false");
        break;
    }
  }
  out->append("}\n");
}

size_t ApproximateBytes(const Record& rec) {
  size_t n = sizeof(Record);
  // What spilled past the inline storage, if anything.
  if (rec.bytes.size() > kInlineBytes) n += rec.bytes.size();
  if (rec.fields.size() > kInlineFields) n += rec.fields.size() * sizeof(Field);
  return n;
}

}  // namespace shopcast::log::internal
