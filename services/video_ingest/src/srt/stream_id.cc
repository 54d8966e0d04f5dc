#include "srt/stream_id.h"

#include <optional>

#include "publish/publish.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::srt {
namespace {

constexpr std::string_view kAccessControlPrefix = "#!::";
constexpr std::string_view kPublishPathPrefix = "publish/";
constexpr char kField[] = "streamid";

absl::Status Invalid(std::string_view message) {
  return InvalidArgument(kField, "STREAM_ID_INVALID",
                         absl::string_view(message.data(), message.size()));
}

bool IsPrintableAscii(char c) { return c > ' ' && c <= '~'; }

// Keys are base64url after "sk_"; anything else (blanks, separators, percent escapes) cannot
// be a key, so it is refused in the handshake instead of costing a database look-up.
bool IsKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '~';
}

absl::StatusOr<std::string> ValidKey(std::string_view key) {
  if (key.empty()) return Invalid("the stream id carries no stream key");
  if (key.size() > kMaxStreamKeyBytes) return Invalid("the stream key is too long");
  for (char c : key) {
    if (!IsKeyChar(c)) return Invalid("the stream key has characters a key never has");
  }
  return std::string(key);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Users are told to URL-encode "#!::…" in srt:// URLs, and some encoders (ffmpeg 5.1) pass
// the escapes through undecoded. Keys never contain '%', so decoding loses nothing.
absl::StatusOr<std::string> PercentDecoded(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      decoded.push_back(text[i]);
      continue;
    }
    int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) return Invalid("the stream id has a broken percent escape");
    const char c = static_cast<char>(high * 16 + low);
    if (!IsPrintableAscii(c)) return Invalid("the stream id is not printable ASCII");
    decoded.push_back(c);
    i += 2;
  }
  return decoded;
}

absl::StatusOr<ParsedStreamId> ParseAccessControl(std::string_view body) {
  std::optional<std::string_view> resource;
  std::optional<std::string_view> mode;
  std::optional<std::string_view> user;
  while (true) {
    size_t comma = body.find(',');
    std::string_view pair = body.substr(0, comma);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Invalid("the stream id is not a list of key=value pairs");
    }
    std::string_view name = pair.substr(0, eq);
    std::string_view value = pair.substr(eq + 1);
    std::optional<std::string_view>* slot = nullptr;
    if (name == "r") slot = &resource;
    if (name == "m") slot = &mode;
    if (name == "u") slot = &user;
    // Other standard keys (h, s, t) and custom ones carry nothing we act on.
    if (slot != nullptr) {
      if (slot->has_value()) return Invalid("the stream id repeats a key");
      *slot = value;
    }
    if (comma == std::string_view::npos) break;
    body.remove_prefix(comma + 1);
  }
  if (mode.has_value() && *mode != "publish") {
    return InvalidArgument(kField, "SRT_MODE_UNSUPPORTED",
                           "only m=publish is supported on this port");
  }
  if (!resource.has_value()) return Invalid("the stream id has no r= key");
  ParsedStreamId parsed;
  parsed.form = ParsedStreamId::Form::kAccessControl;
  ASSIGN_OR_RETURN(parsed.key, ValidKey(*resource));
  if (user.has_value()) parsed.user = std::string(*user);
  return parsed;
}

}  // namespace

absl::StatusOr<ParsedStreamId> ParseStreamId(std::string_view stream_id) {
  if (stream_id.empty()) return Invalid("the stream id is empty");
  if (stream_id.size() > kMaxStreamIdBytes) return Invalid("the stream id is too long");
  for (char c : stream_id) {
    if (!IsPrintableAscii(c)) return Invalid("the stream id is not printable ASCII");
  }
  std::string decoded;
  if (stream_id.find('%') != std::string_view::npos) {
    ASSIGN_OR_RETURN(decoded, PercentDecoded(stream_id));
    stream_id = decoded;
  }
  if (stream_id.starts_with(kAccessControlPrefix)) {
    return ParseAccessControl(stream_id.substr(kAccessControlPrefix.size()));
  }
  ParsedStreamId parsed;
  if (stream_id.starts_with(kPublishPathPrefix)) {
    parsed.form = ParsedStreamId::Form::kPublishPath;
    stream_id.remove_prefix(kPublishPathPrefix.size());
  }
  ASSIGN_OR_RETURN(parsed.key, ValidKey(stream_id));
  return parsed;
}

}  // namespace shopcast::video_ingest::srt
