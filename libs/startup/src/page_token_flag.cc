// Its own object file: only binaries that define SHOPCAST_PAGE_TOKEN_FLAG link it.
#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "shopcast/startup/service_config.h"

ABSL_DECLARE_FLAG(std::string, page_token_key_file);

namespace shopcast::startup {

absl::Status ReadPageTokenKeyFile(ServiceConfig& c) {
  // Required, but checked where the key is loaded (LoadPageTokens), so a configuration
  // check can run without the secret files.
  c.page_token_key_file = absl::GetFlag(FLAGS_page_token_key_file);
  return absl::OkStatus();
}

}  // namespace shopcast::startup
