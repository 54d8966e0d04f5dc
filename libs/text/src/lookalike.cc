#include "shopcast/text/lookalike.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace shopcast::text {
namespace {

using U16 = std::vector<UChar>;

struct SpoofCloser {
  void operator()(USpoofChecker* sc) const { uspoof_close(sc); }
};

// ICU documents a configured checker as safe to share between threads for checks and
// skeletons; opening one loads the confusables data, so it is done once.
const USpoofChecker& Checker() {
  static const std::unique_ptr<USpoofChecker, SpoofCloser> kChecker = [] {
    UErrorCode err = U_ZERO_ERROR;
    std::unique_ptr<USpoofChecker, SpoofCloser> sc(uspoof_open(&err));
    if (U_FAILURE(err)) throw std::runtime_error("ICU spoof checker unavailable");
    return sc;
  }();
  return *kChecker;
}

// Runs an ICU "preflight" function: once with a guess, again with the size it asks for.
template <typename Fn>
std::optional<U16> Grow(size_t guess, Fn fn) {
  U16 out(guess + 16);
  UErrorCode err = U_ZERO_ERROR;
  int32_t n = fn(out.data(), static_cast<int32_t>(out.size()), &err);
  if (err == U_BUFFER_OVERFLOW_ERROR) {
    err = U_ZERO_ERROR;
    out.resize(static_cast<size_t>(n) + 1);
    n = fn(out.data(), static_cast<int32_t>(out.size()), &err);
  }
  if (U_FAILURE(err)) return std::nullopt;
  out.resize(static_cast<size_t>(n));
  return out;
}

bool IsSeparator(UChar32 c) {
  return c == '_' || c == '.' || c == '-' || u_isUWhiteSpace(c) ||
         u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
         u_charType(c) == U_DASH_PUNCTUATION || u_charType(c) == U_CONNECTOR_PUNCTUATION;
}

U16 WithoutSeparators(const U16& in) {
  U16 kept;
  kept.reserve(in.size());
  const auto len = static_cast<int32_t>(in.size());
  for (int32_t i = 0; i < len;) {
    int32_t start = i;
    UChar32 c;
    U16_NEXT(in.data(), i, len, c);
    if (!IsSeparator(c)) kept.insert(kept.end(), in.begin() + start, in.begin() + i);
  }
  return kept;
}

// Case and compatibility folding ("ＤＥＭＯ" → "demo").
std::optional<U16> Fold(const U16& in) {
  UErrorCode err = U_ZERO_ERROR;
  const UNormalizer2* nfkc_cf = unorm2_getNFKCCasefoldInstance(&err);
  if (U_FAILURE(err)) return std::nullopt;
  return Grow(in.size() * 3, [&](UChar* out, int32_t cap, UErrorCode* e) {
    return unorm2_normalize(nfkc_cf, in.data(), static_cast<int32_t>(in.size()), out, cap, e);
  });
}

std::optional<U16> Skeleton(const U16& in) {
  return Grow(in.size() * 3, [&](UChar* out, int32_t cap, UErrorCode* e) {
    return uspoof_getSkeleton(&Checker(), 0, in.data(), static_cast<int32_t>(in.size()), out, cap,
                              e);
  });
}

std::optional<U16> Utf16(absl::string_view s) {
  return Grow(s.size(), [&](UChar* out, int32_t cap, UErrorCode* e) {
    int32_t n = 0;
    u_strFromUTF8(out, cap, &n, s.data(), static_cast<int32_t>(s.size()), e);
    return n;
  });
}

std::string Utf8(const U16& s) {
  std::string out(s.size() * 3 + 1, '\0');
  int32_t n = 0;
  UErrorCode err = U_ZERO_ERROR;
  u_strToUTF8(out.data(), static_cast<int32_t>(out.size()), &n, s.data(),
              static_cast<int32_t>(s.size()), &err);
  if (U_FAILURE(err)) return "";
  out.resize(static_cast<size_t>(n));
  return out;
}

// skeleton(fold(skeleton(text))), text case-folded first or not: the skeleton does not fold
// case ("DEMO" and "demo" differ), and its prototypes are lower-case where it matters
// ("m" → "rn", "0" → "O" → "o" after folding).
std::string KeyOf(const U16& text, bool fold_first) {
  std::optional<U16> key = text;
  if (fold_first) key = Fold(*key);
  if (key) key = Skeleton(WithoutSeparators(*key));
  if (key) key = Fold(*key);
  if (key) key = Skeleton(WithoutSeparators(*key));
  return key ? Utf8(*key) : "";
}

}  // namespace

std::string LookalikeKey(absl::string_view s) {
  std::optional<U16> text = Utf16(s);
  return text ? KeyOf(*text, /*fold_first=*/true) : "";
}

std::vector<std::string> LookalikeKeys(absl::string_view s) {
  std::optional<U16> text = Utf16(s);
  if (!text) return {};
  std::vector<std::string> keys = {KeyOf(*text, /*fold_first=*/true)};
  // Unfolded, a capital I is first read as the l it looks like ("PAYPAI" → "paypal").
  std::string unfolded = KeyOf(*text, /*fold_first=*/false);
  if (unfolded != keys[0]) keys.push_back(std::move(unfolded));
  return keys;
}

}  // namespace shopcast::text
