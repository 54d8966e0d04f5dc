#include "shopcast/text/visible.h"

#include <unicode/uchar.h>

#include "shopcast/text/utf8.h"

namespace shopcast::text {

bool IsBidiControl(uint32_t cp) {
  return u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_BIDI_CONTROL);
}

bool IsVisible(uint32_t cp) {
  const auto c = static_cast<UChar32>(cp);
  // Blank look-alikes that Unicode classes as symbols or letters.
  if (cp == 0x2800 || cp == 0x3164 || cp == 0xffa0 || cp == 0x115f || cp == 0x1160) return false;
  if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) return false;
  constexpr uint32_t kDrawn = U_GC_L_MASK | U_GC_N_MASK | U_GC_P_MASK | U_GC_S_MASK;
  return (U_GET_GC_MASK(c) & kDrawn) != 0;
}

TextProblem CheckUserText(absl::string_view s, TextRules rules) {
  TextProblem problem = TextProblem::kNone;
  bool visible = false;
  bool valid = ForEachCodePoint(s, [&](uint32_t cp) {
    if (problem != TextProblem::kNone) return;
    if (IsControl(cp) && !(rules.multiline && (cp == '\n' || cp == '\t'))) {
      problem = TextProblem::kControl;
    } else if (IsBidiControl(cp)) {
      problem = TextProblem::kBidiControl;
    }
    visible = visible || IsVisible(cp);
  });
  if (!valid) return TextProblem::kInvalidUtf8;
  if (problem != TextProblem::kNone) return problem;
  if (s.empty() && rules.allow_empty) return TextProblem::kNone;
  return visible ? TextProblem::kNone : TextProblem::kInvisibleOnly;
}

}  // namespace shopcast::text
