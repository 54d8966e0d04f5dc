// libFuzzer target for the image origin's request-target parser (security-critical: it decides
// which file a URL opens) and the prefix check at startup. Built by the fuzz preset
// (image_http.cmake) and replayed over its seed corpus in the normal build.
// Input: the first byte picks a path prefix (or, when odd, fuzzes PathPrefixOf instead); the
// rest is the text.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "image_http/image_path.h"

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

namespace image_http = shopcast::product_inventory::image_http;

namespace {

bool Plain(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '%' || c == '\\') return false;
  }
  return s.find("/../") == std::string_view::npos && s.find("/./") == std::string_view::npos &&
         !s.ends_with("/..") && !s.ends_with("/.");
}

void CheckTarget(std::string_view target, std::string_view prefix) {
  const absl::string_view t(target.data(), target.size());
  const absl::string_view p(prefix.data(), prefix.size());
  const image_http::TargetResult r = image_http::ParseImageTarget(t, p);
  if (!r.ok) return;
  const std::string name = r.key.ToString();
  // The key is one plain file name: 64 hex digits, a dot, an extension.
  FUZZ_CHECK(r.key.sha256.size() == 64);
  FUZZ_CHECK(name.find('/') == std::string::npos && name.find("..") == std::string::npos);
  FUZZ_CHECK(Plain(name));
  // And it is exactly what the URL named: prefix + key, before any query.
  const std::string_view path = target.substr(0, target.find('?'));
  FUZZ_CHECK(path.ends_with(std::string(prefix) + name));
  FUZZ_CHECK(Plain(path));
}

void CheckPrefix(std::string_view url_prefix) {
  const auto path =
      image_http::PathPrefixOf(absl::string_view(url_prefix.data(), url_prefix.size()));
  if (!path.ok()) return;
  FUZZ_CHECK(!path->empty() && path->front() == '/');
  FUZZ_CHECK(Plain(*path));
  FUZZ_CHECK(path->find_first_of("?#") == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((selector & 1) != 0) {
    CheckPrefix(text);
    return 0;
  }
  static constexpr std::string_view kPrefixes[] = {"/images/", "/", "/p/i/", "/img-"};
  CheckTarget(text, kPrefixes[(selector >> 1) % 4]);
  return 0;
}
