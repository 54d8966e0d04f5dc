#include "common/tokens.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shopcast/auth/keys.h"

namespace shopcast::bench {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "tokens: %s\n", what);
  std::exit(1);
}

}  // namespace

Tokens::Tokens(const std::string& work_dir) {
  auto key = auth::GenerateSigningKey("");
  if (!key.ok()) Die("signing key");
  // The name a verifier gives a key loaded from its file.
  key->kid = auth::KeyIdFor(key->public_pem);
  public_key_file_ = work_dir + "/signing.pub.pem";
  std::ofstream(public_key_file_) << key->public_pem;
  issuer_ = std::make_unique<auth::TokenIssuer>(*key, "shopcast-user", "shopcast", absl::Hours(2));
  admin_ = Bearer("usr_admin", auth::Role::kAdmin);
  host_ = Bearer("usr_host", auth::Role::kHost);
}

const std::vector<std::string>& Tokens::Buyers(int n) {
  while (static_cast<int>(buyers_.size()) < n) {
    buyers_.push_back(Bearer(absl::StrCat("usr_b", buyers_.size()), auth::Role::kViewer));
  }
  return buyers_;
}

std::string Tokens::Bearer(const std::string& user, auth::Role role) {
  auto t = issuer_->Issue(user, role, absl::Now());
  if (!t.ok()) Die("token");
  return "Bearer " + t->token;
}

}  // namespace shopcast::bench
