#pragma once

// Flags with environment fallback: every absl flag `foo_bar` of a service can be set by the
// environment variable SHOPCAST_<SERVICE>_FOO_BAR (Kubernetes ConfigMaps and Secrets), and a
// flag on the command line overrides the environment (local runs).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shopcast::config {

// Environment variable name for `flag` of `service`: ("user", "grpc_addr") ->
// "SHOPCAST_USER_GRPC_ADDR"; a '-' in the service name becomes '_'.
std::string EnvName(absl::string_view service, absl::string_view flag);

// Applies SHOPCAST_<SERVICE>_* variables to the registered flags, then parses argv over them.
// Returns the positional arguments (argv[0] first). A variable or flag with a value that does
// not parse is an error naming the variable, never its value (it may be a secret).
absl::StatusOr<std::vector<std::string>> ParseFlagsWithEnv(absl::string_view service, int argc,
                                                           char** argv);

// The environment variable `name`, or `fallback` when unset or empty.
std::string EnvOr(const char* name, absl::string_view fallback);

}  // namespace shopcast::config
