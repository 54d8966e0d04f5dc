#pragma once

// UTF-8 walking for input validation at service edges (titles, names, bios): one strict decoder
// so every service agrees on what valid text is.

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace shopcast::text {

// C0 and C1 control characters and DEL.
inline bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7f && cp < 0xa0); }

// Calls fn(code point) for each code point of `s`; false if `s` is not valid UTF-8 (truncated
// sequences, overlong forms, surrogates and code points above U+10FFFF included).
template <typename Fn>
bool ForEachCodePoint(absl::string_view s, Fn fn) {
  size_t i = 0;
  while (i < s.size()) {
    auto b0 = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t n;
    if (b0 < 0x80) {
      cp = b0;
      n = 1;
    } else if ((b0 & 0xe0) == 0xc0) {
      cp = b0 & 0x1f;
      n = 2;
    } else if ((b0 & 0xf0) == 0xe0) {
      cp = b0 & 0x0f;
      n = 3;
    } else if ((b0 & 0xf8) == 0xf0) {
      cp = b0 & 0x07;
      n = 4;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    fn(cp);
    i += n;
  }
  return true;
}

// Number of code points in `s`, or -1 if it is not valid UTF-8.
inline int64_t CodePointCount(absl::string_view s) {
  int64_t n = 0;
  return ForEachCodePoint(s, [&](uint32_t) { ++n; }) ? n : -1;
}

}  // namespace shopcast::text
