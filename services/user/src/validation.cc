#include "validation.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "shopcast/status/status.h"
#include "shopcast/text/lookalike.h"
#include "shopcast/text/utf8.h"
#include "shopcast/text/visible.h"

namespace shopcast::user {
namespace {

// Passwords of 12+ characters that appear near the top of public breach-frequency lists.
// Short ones need no entry: the length rule already refuses them.
constexpr std::array<absl::string_view, 24> kCommonPasswords = {
    "123456789012",  "1234567890123",  "12345678901234",   "123456123456",    "password1234",
    "password12345", "password123456", "passwordpassword", "qwertyuiopas",    "qwertyuiop123",
    "qwerty123456",  "1q2w3e4r5t6y",   "1qaz2wsx3edc",     "abc123abc123",    "iloveyou1234",
    "letmein12345",  "welcome12345",   "administrator",    "adminadmin123",   "111111111111",
    "000000000000",  "abcdefghijkl",   "zaq12wsxcde3",     "trustno1trustno1"};

// Names that only staff may seem to hold. Compared by look-alike key, so "Shopcast",
// "SH0PCAST" and "ѕhорсаѕt" are all this one entry.
constexpr std::array<absl::string_view, 16> kReservedNames = {
    "admin",    "administrator", "shopcast",         "shopcast_team",
    "support",  "help",          "moderator",        "mod",
    "staff",    "official",      "system",           "root",
    "security", "billing",       "trust_and_safety", "everyone"};

}  // namespace

bool IsReservedName(absl::string_view name) {
  for (const std::string& key : text::LookalikeKeys(name)) {
    for (absl::string_view reserved : kReservedNames) {
      if (key == text::LookalikeKey(reserved)) return true;
    }
  }
  return false;
}

int Utf8Length(absl::string_view s) { return static_cast<int>(text::CodePointCount(s)); }

absl::StatusOr<std::string> NormalizeUsername(absl::string_view username) {
  auto bad = [](absl::string_view why) {
    return InvalidArgument("username", "USERNAME_INVALID", why);
  };
  if (username.size() < 3 || username.size() > 30) {
    return bad("username must be 3 to 30 characters");
  }
  std::string u = absl::AsciiStrToLower(username);
  if (!absl::ascii_isalpha(static_cast<unsigned char>(u[0]))) {
    return bad("username must start with a letter");
  }
  for (char c : u) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') {
      return bad("username may hold only letters, digits, '_' and '.'");
    }
  }
  if (absl::StrContains(u, "..") || u.back() == '.') {
    return bad("username may not hold '..' or end with '.'");
  }
  return u;
}

absl::StatusOr<std::string> NormalizeEmail(absl::string_view email) {
  auto bad = [] { return InvalidArgument("email", "EMAIL_INVALID", "email is not valid"); };
  if (email.empty() || email.size() > kMaxEmailBytes) return bad();
  std::vector<absl::string_view> parts = absl::StrSplit(email, '@');
  if (parts.size() != 2) return bad();
  absl::string_view local = parts[0];
  absl::string_view domain = parts[1];
  if (local.empty() || local.size() > 64) return bad();
  for (char c : local) {
    auto uc = static_cast<unsigned char>(c);
    if (uc <= 0x20 || uc >= 0x7f || c == '"' || c == '\\' || c == ',' || c == ';' || c == '<' ||
        c == '>' || c == '(' || c == ')' || c == '[' || c == ']') {
      return bad();
    }
  }
  std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (labels.size() < 2) return bad();
  for (absl::string_view label : labels) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return bad();
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') return bad();
    }
  }
  return absl::AsciiStrToLower(email);
}

absl::Status CheckPassword(absl::string_view password, absl::string_view username) {
  int len = Utf8Length(password);
  if (len < 0) {
    return InvalidArgument("password", "PASSWORD_INVALID", "password is not valid UTF-8");
  }
  if (len < kMinPasswordChars) {
    return InvalidArgument("password", "PASSWORD_TOO_SHORT",
                           "password must be at least 12 characters");
  }
  if (len > kMaxPasswordChars) {
    return InvalidArgument("password", "PASSWORD_TOO_LONG",
                           "password must be at most 128 characters");
  }
  std::string lower = absl::AsciiStrToLower(password);
  if (!username.empty() && absl::StrContains(lower, absl::AsciiStrToLower(username))) {
    return InvalidArgument("password", "WEAK_PASSWORD", "password must not contain the username");
  }
  for (absl::string_view common : kCommonPasswords) {
    if (lower == common) {
      return InvalidArgument("password", "WEAK_PASSWORD", "password is too common");
    }
  }
  if (password.find_first_not_of(password[0]) == absl::string_view::npos) {
    return InvalidArgument("password", "WEAK_PASSWORD", "password is one repeated character");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizeDisplayName(absl::string_view name) {
  auto bad = [](absl::string_view why) {
    return InvalidArgument("display_name", "DISPLAY_NAME_INVALID", why);
  };
  int n = Utf8Length(name);
  if (n < 1 || n > kMaxDisplayNameChars) {
    return bad("display name must be 1 to 50 characters of UTF-8");
  }
  switch (text::CheckUserText(name)) {
    case text::TextProblem::kNone:
      break;
    case text::TextProblem::kBidiControl:
      return bad("display name must not hold bidirectional control characters");
    case text::TextProblem::kInvisibleOnly:
      return bad("display name is blank");
    default:
      return bad("display name must be 1 to 50 characters, without control characters");
  }
  absl::string_view trimmed = absl::StripAsciiWhitespace(name);
  if (IsReservedName(trimmed)) {
    return InvalidArgument("display_name", "DISPLAY_NAME_RESERVED",
                           "display name reads like a name reserved for Shopcast staff");
  }
  return std::string(trimmed);
}

absl::Status CheckBio(absl::string_view bio) {
  int n = Utf8Length(bio);
  if (n < 0 || n > kMaxBioChars ||
      text::CheckUserText(bio, text::TextRules{/*multiline=*/true, /*allow_empty=*/true}) !=
          text::TextProblem::kNone) {
    // A bio may be empty, but not blank: invisible-only text is refused like control codes.
    return InvalidArgument("bio", "BIO_INVALID",
                           "bio must be at most 500 characters, without control or "
                           "bidirectional control characters");
  }
  return absl::OkStatus();
}

absl::Status CheckAvatarUrl(absl::string_view url) {
  if (url.empty()) return absl::OkStatus();
  bool ok = url.size() <= kMaxAvatarUrlBytes && absl::StartsWith(url, "https://") && url.size() > 8;
  for (char c : url) {
    auto uc = static_cast<unsigned char>(c);
    if (uc <= 0x20 || uc >= 0x7f) ok = false;
  }
  if (!ok) {
    return InvalidArgument("avatar_url", "AVATAR_URL_INVALID",
                           "avatar URL must be an https URL of at most 2048 bytes");
  }
  return absl::OkStatus();
}

bool IsEmailLinkToken(absl::string_view token) {
  if (token.size() != 43) return false;
  for (char c : token) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace shopcast::user
