#include "s3_env.h"

#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace shopcast::recording_lifecycle::testing {

S3TestServer TestS3Server() {
  const char* path = std::getenv("SHOPCAST_TEST_S3_ENV");
  if (path == nullptr) throw std::runtime_error("SHOPCAST_TEST_S3_ENV is not set (run via ctest)");
  std::ifstream in(path);
  if (!in) throw std::runtime_error(absl::StrCat("cannot read ", path));
  S3TestServer s;
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "endpoint=")) s.endpoint = line.substr(9);
    if (absl::StartsWith(line, "bucket=")) s.bucket = line.substr(7);
  }
  size_t colon = s.endpoint.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(s.endpoint.substr(colon + 1), &s.port)) {
    throw std::runtime_error(absl::StrCat("no endpoint in ", path));
  }
  return s;
}

storage::S3Options TestS3Options(const std::string& endpoint, const std::string& bucket) {
  storage::S3Options o;
  o.name = "test-cold";
  o.endpoint = endpoint;
  o.bucket = bucket;
  o.region = "us-east-1";
  o.credentials = {"S3RVER", "S3RVER", ""};
  o.connect_timeout = absl::Seconds(2);
  o.attempt_timeout = absl::Seconds(20);
  o.retry = {4, absl::Milliseconds(20), absl::Milliseconds(200)};
  o.multipart_threshold = 5LL << 20;
  o.part_size = 5LL << 20;
  return o;
}

std::string UniquePrefix() {
  std::random_device rd;
  return absl::StrCat("t-", absl::Hex((static_cast<uint64_t>(rd()) << 32) | rd()), "/");
}

}  // namespace shopcast::recording_lifecycle::testing
