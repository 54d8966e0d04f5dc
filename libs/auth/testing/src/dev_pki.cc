#include "shopcast/auth/testing/dev_pki.h"

#include <filesystem>
#include <stdexcept>

#include "shopcast/testing/process.h"

namespace shopcast::auth::testing {

DevPki::DevPki(std::string dir, const std::vector<std::string>& names) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  std::vector<std::string> argv = {SHOPCAST_DEV_PKI, dir_};
  argv.insert(argv.end(), names.begin(), names.end());
  shopcast::testing::ChildProcess p(argv, {}, dir_ + "/dev-pki.log");
  if (p.Wait(60000) != 0) throw std::runtime_error("tools/dev-pki failed: " + p.log());
}

ServiceTlsFiles DevPki::FilesOf(const std::string& name) const {
  return ServiceTlsFiles{dir_ + "/ca.pem", dir_ + "/" + name + ".pem", dir_ + "/" + name + ".key"};
}

ServiceTls DevPki::Of(const std::string& name) const {
  absl::StatusOr<ServiceTls> tls = LoadServiceTls(FilesOf(name));
  if (!tls.ok()) throw std::runtime_error(std::string(tls.status().message()));
  return *std::move(tls);
}

}  // namespace shopcast::auth::testing
