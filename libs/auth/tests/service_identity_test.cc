// Service credentials are checked when loaded, so a misconfigured pod fails at start-up with
// one clear line instead of at its first internal call.
#include "shopcast/auth/service_identity.h"

#include <catch2/catch.hpp>

#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

using shopcast::auth::LoadServiceTls;
using shopcast::auth::ServiceTlsFiles;
using shopcast::auth::testing::DevPki;

TEST_CASE("a service credential made by tools/dev-pki loads and names its service") {
  shopcast::testing::TempDir dir;
  DevPki pki(dir.File("pki"), {"video-ingest"});
  auto tls = LoadServiceTls(pki.FilesOf("video-ingest"));
  REQUIRE(tls.ok());
  CHECK(tls->name == "video-ingest");
}

TEST_CASE("a credential whose parts do not belong together is refused at load") {
  shopcast::testing::TempDir dir;
  DevPki pki(dir.File("pki"), {"user", "video-ingest"});
  DevPki other(dir.File("other"), {"user"});

  ServiceTlsFiles wrong_key = pki.FilesOf("user");
  wrong_key.key_file = pki.FilesOf("video-ingest").key_file;
  auto s = LoadServiceTls(wrong_key);
  CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(shopcast::ReasonOf(s.status()) == "SERVICE_TLS_INVALID");

  ServiceTlsFiles foreign = other.FilesOf("user");
  foreign.ca_file = pki.FilesOf("user").ca_file;  // signed by another CA than the one trusted
  CHECK(shopcast::ReasonOf(LoadServiceTls(foreign).status()) == "SERVICE_TLS_INVALID");

  ServiceTlsFiles missing = pki.FilesOf("user");
  missing.cert_file = dir.File("nope.pem");
  CHECK(absl::IsNotFound(LoadServiceTls(missing).status()));
}
