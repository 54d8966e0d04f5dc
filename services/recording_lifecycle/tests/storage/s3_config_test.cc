#include "storage/s3_config.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "absl/strings/match.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::recording_lifecycle::storage {
namespace {

S3Options Good() {
  S3Options o;
  o.endpoint = "http://127.0.0.1:4568";
  o.bucket = "shopcast-cold";
  o.credentials = {"id", "secret", ""};
  return o;
}

// Sets and unsets the variables of one test.
struct Env {
  std::vector<std::string> names;
  void Set(const std::string& name, const std::string& value) {
    setenv(name.c_str(), value.c_str(), 1);
    names.push_back(name);
  }
  ~Env() {
    for (const std::string& n : names) unsetenv(n.c_str());
  }
};

TEST_CASE("s3 config: good options pass, each bad setting is named", "[config]") {
  CHECK(Good().Validate().ok());
  struct Case {
    const char* field;
    std::function<void(S3Options&)> spoil;
  };
  std::vector<Case> cases = {
      {"endpoint", [](S3Options& o) { o.endpoint = "ftp://h"; }},
      {"endpoint", [](S3Options& o) { o.endpoint = "http://h/path"; }},
      {"endpoint", [](S3Options& o) { o.endpoint = "http://key:secret@h"; }},
      {"bucket", [](S3Options& o) { o.bucket = "Upper"; }},
      {"bucket", [](S3Options& o) { o.bucket = "ab"; }},
      {"bucket", [](S3Options& o) { o.bucket = "-ab"; }},
      {"region", [](S3Options& o) { o.region = ""; }},
      {"region", [](S3Options& o) { o.region = "us east"; }},
      {"credentials", [](S3Options& o) { o.credentials.secret_access_key = ""; }},
      {"timeouts", [](S3Options& o) { o.attempt_timeout = absl::ZeroDuration(); }},
      {"retry", [](S3Options& o) { o.retry.max_attempts = 0; }},
      {"retry", [](S3Options& o) { o.retry.max_backoff = absl::Milliseconds(1); }},
      {"part_size", [](S3Options& o) { o.part_size = 1 << 20; }},
      {"multipart_threshold",
       [](S3Options& o) {
         o.multipart_threshold = 5 << 20;
         o.part_size = 6 << 20;
       }},
  };
  for (const Case& c : cases) {
    S3Options o = Good();
    c.spoil(o);
    absl::Status s = o.Validate();
    INFO(c.field << ": " << s.ToString());
    CHECK(absl::IsInvalidArgument(s));
    CHECK(FieldOf(s) == c.field);
  }
}

TEST_CASE("s3 config: credentials from the environment, values or files", "[config]") {
  shopcast::testing::TempDir dir;
  {
    Env env;
    env.Set("RLT_S3_ACCESS_KEY_ID", "AKIDEXAMPLE");
    env.Set("RLT_S3_SECRET_ACCESS_KEY", "s3cr3t");
    absl::StatusOr<S3Credentials> c = S3CredentialsFromEnv("RLT_S3");
    REQUIRE(c.ok());
    CHECK(c->access_key_id == "AKIDEXAMPLE");
    CHECK(c->secret_access_key == "s3cr3t");
    CHECK(c->session_token.empty());
    // Printing them never shows the secret.
    CHECK_FALSE(absl::StrContains(c->ToString(), "s3cr3t"));
    CHECK(absl::StrContains(c->ToString(), "AKIDEXAMPLE"));
  }
  {
    Env env;
    std::ofstream(dir.File("id")) << "AKIDFILE\n";
    std::ofstream(dir.File("secret")) << "from-a-file\n\n";
    env.Set("RLT_S3_ACCESS_KEY_ID_FILE", dir.File("id"));
    env.Set("RLT_S3_SECRET_ACCESS_KEY_FILE", dir.File("secret"));
    absl::StatusOr<S3Credentials> c = S3CredentialsFromEnv("RLT_S3");
    REQUIRE(c.ok());
    CHECK(c->access_key_id == "AKIDFILE");
    CHECK(c->secret_access_key == "from-a-file");
  }
}

TEST_CASE("s3 config: missing, doubled or unreadable credentials are named, never shown",
          "[config]") {
  shopcast::testing::TempDir dir;
  {
    Env env;
    env.Set("RLT_S3_ACCESS_KEY_ID", "AKID");
    absl::Status s = S3CredentialsFromEnv("RLT_S3").status();
    CHECK(absl::IsInvalidArgument(s));
    CHECK(FieldOf(s) == "RLT_S3_SECRET_ACCESS_KEY");
  }
  {
    Env env;
    env.Set("RLT_S3_ACCESS_KEY_ID", "AKID");
    env.Set("RLT_S3_SECRET_ACCESS_KEY", "visible-secret");
    env.Set("RLT_S3_SECRET_ACCESS_KEY_FILE", dir.File("secret"));
    absl::Status s = S3CredentialsFromEnv("RLT_S3").status();
    CHECK(absl::IsInvalidArgument(s));
    CHECK_FALSE(absl::StrContains(s.ToString(), "visible-secret"));
  }
  {
    Env env;
    env.Set("RLT_S3_ACCESS_KEY_ID", "AKID");
    env.Set("RLT_S3_SECRET_ACCESS_KEY_FILE", dir.File("missing"));
    CHECK(FieldOf(S3CredentialsFromEnv("RLT_S3").status()) == "RLT_S3_SECRET_ACCESS_KEY_FILE");
  }
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::storage
