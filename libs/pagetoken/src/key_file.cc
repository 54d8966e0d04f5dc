#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/status/status.h"

namespace shopcast::pagetoken {

absl::StatusOr<Codec> LoadKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(absl::StatusCode::kNotFound, "KEY_FILE_UNREADABLE",
                 "cannot read the page token key file " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string key = text.str();
  absl::StripTrailingAsciiWhitespace(&key);
  return Codec::Create(key);
}

}  // namespace shopcast::pagetoken
