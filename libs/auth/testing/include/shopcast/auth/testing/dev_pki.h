#pragma once

// Service credentials for tests, made by the same tools/dev-pki that `tools/dev up` uses.

#include <string>
#include <vector>

#include "shopcast/auth/service_identity.h"

namespace shopcast::auth::testing {

// A CA in `dir` and a certificate per name in `names`; throws std::runtime_error on failure.
class DevPki {
 public:
  DevPki(std::string dir, const std::vector<std::string>& names);

  // The files of `name`'s credential (it must be one of the names given).
  ServiceTlsFiles FilesOf(const std::string& name) const;
  // The loaded credential of `name`.
  ServiceTls Of(const std::string& name) const;

 private:
  std::string dir_;
};

}  // namespace shopcast::auth::testing
