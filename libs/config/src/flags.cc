#include "shopcast/config/flags.h"

#include <cstdlib>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace shopcast::config {

std::string EnvName(absl::string_view service, absl::string_view flag) {
  std::string svc = absl::StrReplaceAll(absl::AsciiStrToUpper(service), {{"-", "_"}});
  return absl::StrCat("SHOPCAST_", svc, "_", absl::AsciiStrToUpper(flag));
}

absl::StatusOr<std::vector<std::string>> ParseFlagsWithEnv(absl::string_view service, int argc,
                                                           char** argv) {
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    std::string var = EnvName(service, name);
    const char* value = std::getenv(var.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("environment variable ", var, " does not parse: ", error));
    }
  }
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  return std::vector<std::string>(positional.begin(), positional.end());
}

std::string EnvOr(const char* name, absl::string_view fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::string(fallback);
  return v;
}

}  // namespace shopcast::config
