// libFuzzer target over what the storage layer takes from outside: the object store's XML
// answers (s3_xml) and object keys/prefixes (object_key). Neither may crash, hang or leak on
// any input; a key that validates must be safe as a relative path (no "..", no leading '/').
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "storage/object_key.h"
#include "storage/s3_xml.h"

namespace st = shopcast::recording_lifecycle::storage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  (void)st::s3xml::ParseListObjectsV2(input);
  (void)st::s3xml::ParseInitiateMultipartUpload(input);
  (void)st::s3xml::ParseError(input);
  st::s3xml::S3ErrorBody error;
  (void)st::s3xml::CompleteFailed(input, &error);
  if (st::ValidateKey(input).ok()) {
    std::string slashed = "/" + std::string(input) + "/";
    if (absl::StartsWith(input, "/") || absl::StrContains(slashed, "/../") ||
        absl::StrContains(slashed, "/./") || absl::StrContains(input, "//")) {
      std::abort();  // A key that escapes its root validated.
    }
  }
  (void)st::ValidateKeyPrefix(input);
  return 0;
}
