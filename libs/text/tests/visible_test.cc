#include "shopcast/text/visible.h"

#include <catch2/catch.hpp>
#include <string>

using shopcast::text::CheckUserText;
using shopcast::text::TextProblem;
using shopcast::text::TextRules;

TEST_CASE("ordinary names and titles in any script pass") {
  for (const char* ok : {"Alice", "demo host", "Flash sale \xf0\x9f\x94\xa5",
                         "\xd0\x90\xd0\xbd\xd0\xbd\xd0\xb0", "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d",
                         "\xe5\xb0\x8f\xe6\x98\x8e", "R&B!", "\xd8\xb9\xd9\x84\xd9\x8a"}) {
    INFO(ok);
    CHECK(CheckUserText(ok) == TextProblem::kNone);
  }
}

TEST_CASE("bidirectional controls are refused wherever they are") {
  // U+202E RIGHT-TO-LEFT OVERRIDE, U+202A..D embeddings/overrides, U+2066..9 isolates,
  // U+200E/F marks, U+061C ARABIC LETTER MARK.
  for (const char* bad : {"evil\xe2\x80\xaegpj.exe",
                          "\xe2\x80\xaa"
                          "a",
                          "a\xe2\x80\xad", "\xe2\x81\xa6x", "x\xe2\x81\xa9", "a\xe2\x80\x8f",
                          "\xe2\x80\x8e"
                          "b",
                          "c\xd8\x9c"}) {
    INFO(bad);
    CHECK(CheckUserText(bad) == TextProblem::kBidiControl);
    CHECK(CheckUserText(bad, TextRules{true, true}) == TextProblem::kBidiControl);
  }
}

TEST_CASE("text made only of invisible characters is refused") {
  // Zero-width space/joiner/non-joiner, word joiner, BOM, no-break spaces, ideographic space,
  // Hangul filler, Braille blank, combining grapheme joiner, a variation selector.
  for (const char* bad :
       {"\xe2\x80\x8b", "\xe2\x80\x8b\xe2\x80\x8c\xe2\x80\x8d", "\xc2\xa0\xc2\xa0", "\xe2\x80\xaf",
        "\xe2\x81\xa0", "\xef\xbb\xbf", "\xe3\x80\x80", "\xe3\x85\xa4", "\xe2\xa0\x80\xe2\xa0\x80",
        "\xcd\x8f", "\xef\xb8\x8f", " \xc2\xa0 ", "\xe1\x85\x9f"}) {
    INFO(bad);
    CHECK(CheckUserText(bad) == TextProblem::kInvisibleOnly);
  }
  CHECK(CheckUserText("") == TextProblem::kInvisibleOnly);
  CHECK(CheckUserText("", TextRules{false, true}) == TextProblem::kNone);
  CHECK(CheckUserText("\xe2\x80\x8b", TextRules{false, true}) == TextProblem::kInvisibleOnly);
  // Invisible characters beside visible ones are not this rule's business.
  CHECK(CheckUserText("a\xe2\x80\x8d"
                      "b") == TextProblem::kNone);
}

TEST_CASE("control characters and bad UTF-8") {
  CHECK(CheckUserText("a\nb") == TextProblem::kControl);
  CHECK(CheckUserText("a\nb\tc", TextRules{true, false}) == TextProblem::kNone);
  CHECK(CheckUserText("a\rb", TextRules{true, false}) == TextProblem::kControl);
  CHECK(CheckUserText(std::string("a\0b", 3)) == TextProblem::kControl);
  CHECK(CheckUserText("a\xc2\x85") == TextProblem::kControl);
  CHECK(CheckUserText("bad \xff") == TextProblem::kInvalidUtf8);
}
