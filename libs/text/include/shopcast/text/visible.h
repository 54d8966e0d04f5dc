#pragma once

// Rules for text that people see next to someone's name or stream (display names, stream
// titles, bios, descriptions, chat): no control characters, no bidirectional controls (a
// right-to-left override makes "gpj.exe" read "exe.jpg"), and never made only of characters
// that draw nothing (zero-width and no-break spaces, fillers).

#include <cstdint>

#include "absl/strings/string_view.h"

namespace shopcast::text {

enum class TextProblem {
  kNone,
  kInvalidUtf8,
  kControl,        // C0/C1 controls and DEL (a multi-line field may allow '\n' and '\t')
  kBidiControl,    // Unicode Bidi_Control: LRM, RLM, ALM, embeddings, overrides, isolates
  kInvisibleOnly,  // no letter, digit, punctuation or symbol that draws anything
};

// True for Unicode Bidi_Control characters.
bool IsBidiControl(uint32_t cp);

// True if `cp` draws something: a letter, mark-free digit, punctuation or symbol that is not
// default-ignorable and not a blank look-alike (U+2800 BRAILLE PATTERN BLANK, Hangul fillers).
bool IsVisible(uint32_t cp);

struct TextRules {
  bool multiline = false;    // allow '\n' and '\t'
  bool allow_empty = false;  // empty text is fine (optional fields); blank text never is
};

// The first problem of `s` under `rules`, or kNone.
TextProblem CheckUserText(absl::string_view s, TextRules rules = {});

}  // namespace shopcast::text
