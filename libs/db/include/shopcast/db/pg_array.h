#pragma once

// PostgreSQL array literals ('{...}') for array parameters. libpqxx 6 has no array parameters of
// its own, so a statement that takes a batch as one array per column (`= ANY($1::text[])`,
// `unnest($2::bigint[])`) gets its literal from here, keeps a fixed text and can be prepared.
// Every text element is quoted, so any text — commas, braces, quotes, backslashes, spaces, the
// word NULL — arrives intact.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace shopcast::db {

class PgArray {
 public:
  PgArray& Text(std::string_view text);
  PgArray& Int(int64_t value);
  // A bytea element, in hex.
  PgArray& Bytes(std::string_view bytes);
  // The literal: "{}" when empty.
  std::string Literal() const { return "{" + body_ + "}"; }

 private:
  void Separate();
  std::string body_;
};

// A text[] literal of `field(item)` for each item (the items themselves by default).
template <typename Items, typename Field = std::identity>
std::string TextArray(const Items& items, Field field = {}) {
  PgArray a;
  for (const auto& item : items) a.Text(std::invoke(field, item));
  return a.Literal();
}

// A bigint[] (or integer[]) literal.
template <typename Items, typename Field = std::identity>
std::string IntArray(const Items& items, Field field = {}) {
  PgArray a;
  for (const auto& item : items) a.Int(static_cast<int64_t>(std::invoke(field, item)));
  return a.Literal();
}

}  // namespace shopcast::db
