#pragma once

// Input rules for accounts, applied at the edge before anything is stored. Each function
// returns the normalised value or INVALID_ARGUMENT with the field and a reason.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shopcast::user {

inline constexpr size_t kMaxEmailBytes = 254;
inline constexpr int kMinPasswordChars = 12;
inline constexpr int kMaxPasswordChars = 128;
// A presented password longer than this is refused before it is hashed.
inline constexpr size_t kMaxPasswordBytes = 4 * kMaxPasswordChars;
inline constexpr int kMaxDisplayNameChars = 50;
inline constexpr int kMaxBioChars = 500;
inline constexpr size_t kMaxAvatarUrlBytes = 2048;

// Number of code points in `s`, or -1 if it is not valid UTF-8 (overlongs, surrogates and
// code points above U+10FFFF are invalid).
int Utf8Length(absl::string_view s);

// 3..30 chars of [a-z0-9_.], starting with a letter, no "..", not ending in '.'; upper-case
// input is lower-cased. Reasons: USERNAME_INVALID. (Whether a new one is free to take is the
// registration's question: reserved and look-alike names.)
absl::StatusOr<std::string> NormalizeUsername(absl::string_view username);

// A plausible address: one '@', local part 1..64 printable ASCII without spaces, a dotted
// domain of letters, digits and hyphens; lower-cased. Reasons: EMAIL_INVALID.
absl::StatusOr<std::string> NormalizeEmail(absl::string_view email);

// 12..128 code points of valid UTF-8, not containing the username, not a very common password,
// not one repeated character. Reasons: PASSWORD_TOO_SHORT, PASSWORD_TOO_LONG, WEAK_PASSWORD,
// PASSWORD_INVALID.
absl::Status CheckPassword(absl::string_view password, absl::string_view username);

// 1..50 code points of valid UTF-8 without control or bidirectional control characters and not
// only invisible ones (libs/text CheckUserText); surrounding ASCII spaces are trimmed. Reasons:
// DISPLAY_NAME_INVALID, DISPLAY_NAME_RESERVED (reads like a staff name). Whether it reads like
// another account's username is the store's question (Accounts checks it).
absl::StatusOr<std::string> NormalizeDisplayName(absl::string_view name);

// 0..500 code points, valid UTF-8, no control characters other than newline and tab, no
// bidirectional controls, not only invisible characters. Reason: BIO_INVALID.
absl::Status CheckBio(absl::string_view bio);

// True if `name` reads like a name reserved for staff ("admin", "Shopcast", "support", …),
// compared by libs/text LookalikeKey.
bool IsReservedName(absl::string_view name);

// Empty, or an https URL of at most 2048 bytes without spaces or control characters.
// Reason: AVATAR_URL_INVALID.
absl::Status CheckAvatarUrl(absl::string_view url);

// The tokens of links mailed to an account (password reset, address confirmation):
// ids::NewSecret(kEmailLinkTokenBytes), 43 characters of unpadded base64url.
inline constexpr size_t kEmailLinkTokenBytes = 32;
// True if `token` has that shape (checked before any database work).
bool IsEmailLinkToken(absl::string_view token);

}  // namespace shopcast::user
