#include "shopcast/db/pg_array.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace shopcast::db {

void PgArray::Separate() {
  if (!body_.empty()) body_ += ',';
}

PgArray& PgArray::Text(std::string_view text) {
  Separate();
  body_ += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') body_ += '\\';
    body_ += c;
  }
  body_ += '"';
  return *this;
}

PgArray& PgArray::Int(int64_t value) {
  Separate();
  absl::StrAppend(&body_, value);
  return *this;
}

PgArray& PgArray::Bytes(std::string_view bytes) {
  Separate();
  // "\\x<hex>": the array parser turns the escaped backslash into bytea's hex prefix.
  absl::StrAppend(&body_, "\"\\\\x",
                  absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size())), "\"");
  return *this;
}

}  // namespace shopcast::db
