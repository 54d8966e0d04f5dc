// SigV4 checked against the examples AWS publishes (Amazon S3 API reference, "Authenticating
// Requests (AWS Signature Version 4)": the GET Object example of "Signature Calculations for the
// Authorization Header" and the example of "Query String Authentication"), with AWS's example
// credentials AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY.
#include "storage/sigv4.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "shopcast/status/status.h"
#include "storage/digest.h"

namespace shopcast::recording_lifecycle::storage::sigv4 {
namespace {

constexpr char kKeyId[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

absl::Time May24() {
  return absl::FromCivil(absl::CivilSecond(2013, 5, 24, 0, 0, 0), absl::UTCTimeZone());
}

TEST_CASE("sigv4: AWS's GET Object example (header signing)", "[sigv4]") {
  CanonicalInput in;
  in.method = "GET";
  in.canonical_uri = "/test.txt";
  in.canonical_query = "";
  in.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                {"Range", "bytes=0-9"},
                {"x-amz-content-sha256", kEmptySha256},
                {"x-amz-date", "20130524T000000Z"}};
  in.payload_hash = kEmptySha256;
  std::string canonical = CanonicalRequest(in);
  CHECK(canonical ==
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
        "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string scope = Scope(May24(), "us-east-1", "s3");
  CHECK(scope == "20130524/us-east-1/s3/aws4_request");
  std::string sts = StringToSign(May24(), scope, canonical);
  CHECK(sts ==
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  CHECK(Signature(SigningKey(kSecret, May24(), "us-east-1", "s3"), sts) ==
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST_CASE("sigv4: AWS's presigned URL example (query signing)", "[sigv4]") {
  PresignInput in;
  in.endpoint = "https://examplebucket.s3.amazonaws.com";
  in.canonical_uri = "/test.txt";
  in.region = "us-east-1";
  in.access_key_id = kKeyId;
  in.secret_access_key = kSecret;
  in.now = May24();
  in.ttl = absl::Hours(24);
  absl::StatusOr<std::string> url = PresignGet(in);
  REQUIRE(url.ok());
  CHECK(*url ==
        "https://examplebucket.s3.amazonaws.com/test.txt"
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST_CASE("sigv4: a wrong secret gives another signature", "[sigv4]") {
  PresignInput in;
  in.endpoint = "https://examplebucket.s3.amazonaws.com";
  in.canonical_uri = "/test.txt";
  in.region = "us-east-1";
  in.access_key_id = kKeyId;
  in.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEX";
  in.now = May24();
  in.ttl = absl::Hours(24);
  absl::StatusOr<std::string> url = PresignGet(in);
  REQUIRE(url.ok());
  CHECK_FALSE(
      absl::StrContains(*url, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"));
}

TEST_CASE("sigv4: the session token is signed, the port is part of the host", "[sigv4]") {
  PresignInput in;
  in.endpoint = "http://127.0.0.1:4568";
  in.canonical_uri = "/bucket/str_1/000001.ts";
  in.region = "us-east-1";
  in.access_key_id = "id";
  in.secret_access_key = "secret";
  in.session_token = "tok/en+=";
  in.now = May24();
  in.ttl = absl::Minutes(5);
  absl::StatusOr<std::string> url = PresignGet(in);
  REQUIRE(url.ok());
  CHECK(absl::StartsWith(*url, "http://127.0.0.1:4568/bucket/str_1/000001.ts?"));
  CHECK(absl::StrContains(*url, "&X-Amz-Security-Token=tok%2Fen%2B%3D&"));
  CHECK(absl::StrContains(*url, "X-Amz-Expires=300"));
  // The same input without the token signs differently: the token is covered.
  in.session_token.clear();
  absl::StatusOr<std::string> plain = PresignGet(in);
  REQUIRE(plain.ok());
  CHECK(plain->substr(plain->size() - 64) != url->substr(url->size() - 64));
}

TEST_CASE("sigv4: presigned lifetimes outside 1 s..7 days and bad endpoints are refused",
          "[sigv4]") {
  PresignInput in;
  in.endpoint = "http://127.0.0.1:1";
  in.canonical_uri = "/b/k";
  in.region = "us-east-1";
  in.access_key_id = "id";
  in.secret_access_key = "secret";
  in.now = May24();
  for (absl::Duration ttl : {absl::ZeroDuration(), absl::Milliseconds(500),
                             absl::Hours(24 * 7) + absl::Seconds(1), -absl::Seconds(5)}) {
    in.ttl = ttl;
    CHECK(absl::IsInvalidArgument(PresignGet(in).status()));
  }
  in.ttl = absl::Hours(24 * 7);
  CHECK(PresignGet(in).ok());
  for (const char* endpoint : {"ftp://h", "http://", "http://h/path", "http://user@h", "h:80"}) {
    in.endpoint = endpoint;
    INFO(endpoint);
    CHECK(absl::IsInvalidArgument(PresignGet(in).status()));
  }
}

TEST_CASE("sigv4: URI encoding and canonical query order", "[sigv4]") {
  CHECK(UriEncode("a b/c~d_e.f-g", false) == "a%20b%2Fc~d_e.f-g");
  CHECK(UriEncode("a b/c", true) == "a%20b/c");
  CHECK(UriEncode("\xc3\xa9", false) == "%C3%A9");
  CHECK(CanonicalQuery({{"uploadId", "x y"}, {"partNumber", "2"}}) ==
        "partNumber=2&uploadId=x%20y");
  CHECK(CanonicalQuery({{"uploads", ""}}) == "uploads=");
  CHECK(CanonicalQuery({{"prefix", "a/b"}, {"list-type", "2"}, {"max-keys", "10"}}) ==
        "list-type=2&max-keys=10&prefix=a%2Fb");
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::storage::sigv4
