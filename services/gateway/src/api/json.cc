#include "api/json.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "shopcast/status/status.h"
#include "shopcast/text/utf8.h"

namespace shopcast::gateway::api {
namespace {

absl::Status BadJson(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, reason, message);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of the \uXXXX escape at body[i] ('\\'), or -1 if it is not one.
int32_t EscapeAt(absl::string_view body, size_t i) {
  if (i + 6 > body.size() || body[i] != '\\' || body[i + 1] != 'u') return -1;
  int32_t v = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    int h = HexValue(body[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

}  // namespace

absl::Status CheckJsonText(absl::string_view body, int max_depth) {
  if (!text::ForEachCodePoint(body, [](uint32_t) {})) {
    return BadJson("JSON_BAD_UTF8", "the request body is not valid UTF-8");
  }
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '"') {
        in_string = false;
      } else if (c == '\\' && i + 1 < body.size()) {
        if (body[i + 1] == 'u') {
          const int32_t unit = EscapeAt(body, i);
          if (unit >= 0xdc00 && unit <= 0xdfff) {
            return BadJson("JSON_BAD_UTF8", "the request body escapes a lone surrogate");
          }
          if (unit >= 0xd800 && unit <= 0xdbff) {
            const int32_t low = EscapeAt(body, i + 6);
            if (low < 0xdc00 || low > 0xdfff) {
              return BadJson("JSON_BAD_UTF8", "the request body escapes a lone surrogate");
            }
            i += 6;  // the pair's second escape is checked here
          }
          if (unit >= 0) i += 5;
        } else {
          ++i;  // a one-character escape
        }
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) {
        return BadJson("JSON_TOO_DEEP",
                       absl::StrCat("the request body nests deeper than ", max_depth, " levels"));
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return absl::OkStatus();
}

absl::Status JsonToMessage(absl::string_view body, int max_depth,
                           google::protobuf::Message* message) {
  message->Clear();
  if (absl::StripAsciiWhitespace(body).empty()) return absl::OkStatus();
  if (absl::Status s = CheckJsonText(body, max_depth); !s.ok()) return s;
  if (absl::StripLeadingAsciiWhitespace(body)[0] != '{') {
    return BadJson("JSON_NOT_OBJECT", "the request body must be a JSON object");
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), message, options);
  if (status.ok()) return absl::OkStatus();
  message->Clear();
  // The parser's explanation names the offending field or position, never our internals.
  const std::string detail(status.message());
  if (absl::StrContains(detail, "Cannot find field")) {
    return BadJson("UNKNOWN_FIELD", absl::StrCat("the request has a field the method does not "
                                                 "take: ",
                                                 detail));
  }
  return BadJson("JSON_MALFORMED", absl::StrCat("the request body is not valid JSON for this "
                                                "method: ",
                                                detail));
}

std::string MessageToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string out;
  auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) return "{}";  // only for an Any of an unknown type, which we never send
  return out;
}

}  // namespace shopcast::gateway::api
