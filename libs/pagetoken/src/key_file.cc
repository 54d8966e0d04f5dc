#include "shopcast/pagetoken/codec.h"
#include "shopcast/signed_token/signed_token.h"
#include "shopcast/status/status.h"

namespace shopcast::pagetoken {

absl::StatusOr<Codec> LoadKeyFile(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string key, signed_token::ReadSecretFile(path, "page token"));
  return Codec::Create(key);
}

}  // namespace shopcast::pagetoken
