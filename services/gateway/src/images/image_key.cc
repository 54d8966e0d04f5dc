#include "images/image_key.h"

namespace shopcast::gateway::images {
namespace {

constexpr size_t kHashDigits = 64;  // SHA-256, hex

bool IsLowerHex(std::string_view s) {
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

ImageTarget ParseImageTarget(std::string_view target) {
  ImageTarget out;
  std::string_view path = target.substr(0, target.find('?'));
  if (path == "/images" || path == kPathPrefix) {
    out.check = KeyCheck::kMissing;
    return out;
  }
  if (path.substr(0, kPathPrefix.size()) != kPathPrefix) return out;
  const std::string_view key = path.substr(kPathPrefix.size());
  if (key.size() > kMaxKeyBytes || key.size() <= kHashDigits + 1 || key[kHashDigits] != '.' ||
      !IsLowerHex(key.substr(0, kHashDigits))) {
    return out;
  }
  const std::string_view ext = key.substr(kHashDigits + 1);
  if (ext == "webp") {
    out.content_type = "image/webp";
  } else if (ext == "jpg") {
    out.content_type = "image/jpeg";
  } else {
    return out;
  }
  out.check = KeyCheck::kOk;
  out.key = std::string(key);
  return out;
}

}  // namespace shopcast::gateway::images
