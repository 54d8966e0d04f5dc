#include "storage/storage_provider.h"

#include <utility>

#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::storage {

absl::StatusOr<std::vector<ObjectInfo>> ListAll(StorageProvider& provider, absl::string_view prefix,
                                                const CallOptions& options) {
  std::vector<ObjectInfo> all;
  std::string token;
  do {
    ASSIGN_OR_RETURN(ListPage page, provider.List(prefix, token, 1000, options));
    for (ObjectInfo& o : page.objects) all.push_back(std::move(o));
    token = std::move(page.next_page_token);
  } while (!token.empty());
  return all;
}

}  // namespace shopcast::recording_lifecycle::storage
