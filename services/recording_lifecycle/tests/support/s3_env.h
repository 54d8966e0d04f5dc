#pragma once

// The S3-compatible server of this test run (the s3rver CTest fixture, s3_fixture.sh): where it
// listens and the options a provider needs to reach it, with a key prefix unique to the test.

#include <string>

#include "storage/s3_config.h"

namespace shopcast::recording_lifecycle::testing {

struct S3TestServer {
  std::string endpoint;  // http://127.0.0.1:<port>
  int port = 0;
  std::string bucket;
};

// Reads the file SHOPCAST_TEST_S3_ENV names; throws std::runtime_error when unset/unreadable.
S3TestServer TestS3Server();

// Options for `endpoint` (the server, or a FaultProxy in front of it) with s3rver's account,
// short timeouts and fast retries suited to tests.
storage::S3Options TestS3Options(const std::string& endpoint, const std::string& bucket);

// A fresh "t-<random>/" prefix, so test cases sharing the server never see each other's keys.
std::string UniquePrefix();

}  // namespace shopcast::recording_lifecycle::testing
