#pragma once

// The user binary's commands. Each returns the process exit code.

#include <string>
#include <vector>

#include "config.h"

namespace shopcast::user {

// Applies migrations, serves gRPC until SIGTERM/SIGINT, then drains.
int RunServer(const Config& config);

// Operator command: creates an account with `role` ("viewer", "host" or "admin"), reading the
// password from stdin, so the first admin never has a built-in password.
//   user create-user <username> <email> <role> < password-file
int RunCreateUser(const Config& config, const std::vector<std::string>& args);

// Applies migrations and exits.
int RunMigrate(const Config& config);

}  // namespace shopcast::user
