#pragma once

// Access tokens for a benchmark run: a fresh ES256 signing key, its public half in a file for
// the servers' VERIFY_KEY_FILES, and "Bearer …" headers signed the way the user service signs
// them (issuer shopcast-user, audience shopcast), made before the load so signing costs the
// load nothing.

#include <memory>
#include <string>
#include <vector>

#include "shopcast/auth/tokens.h"

namespace shopcast::bench {

class Tokens {
 public:
  // Writes the public key to <work_dir>/signing.pub.pem. Exits on failure (set-up only).
  explicit Tokens(const std::string& work_dir);

  const std::string& public_key_file() const { return public_key_file_; }
  const std::string& admin() const { return admin_; }  // usr_admin, role admin
  const std::string& host() const { return host_; }    // usr_host, role host
  // "Bearer …" of buyers usr_b0 … usr_b<n-1> (viewers), made once.
  const std::vector<std::string>& Buyers(int n);

 private:
  std::string Bearer(const std::string& user, auth::Role role);

  std::string public_key_file_;
  std::unique_ptr<auth::TokenIssuer> issuer_;
  std::string admin_, host_;
  std::vector<std::string> buyers_;
};

}  // namespace shopcast::bench
