#pragma once

// PostgreSQL array literals ('{...}') built for array parameters, so a statement that takes a
// whole batch as one array per column has a fixed text and can be prepared (libpqxx 6 has no
// array parameters of its own). Every element is quoted, so any text is carried intact.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace shopcast::realtime_push::rooms {

class PgArray {
 public:
  PgArray& Text(absl::string_view text);
  PgArray& Int(int64_t value);
  // A bytea element (hex format).
  PgArray& Bytes(absl::string_view bytes);
  // The literal: "{}" when empty.
  std::string Literal() const { return "{" + body_ + "}"; }

 private:
  void Separate();
  std::string body_;
};

}  // namespace shopcast::realtime_push::rooms
