#include "storage/s3_xml.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::storage::s3xml {
namespace {

TEST_CASE("s3 xml: a ListObjectsV2 page, truncated, with its continuation token", "[xml]") {
  absl::StatusOr<ListResult> r = ParseListObjectsV2(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix>str_1/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <Contents><Key>str_1/000001.ts</Key><Size>188</Size><ETag>&quot;abc&quot;</ETag></Contents>
  <Contents><Key>str_1/000002.ts</Key><Size>376</Size><ETag>"def"</ETag></Contents>
  <NextContinuationToken>tok+/=</NextContinuationToken>
</ListBucketResult>)");
  REQUIRE(r.ok());
  REQUIRE(r->objects.size() == 2);
  CHECK(r->objects[0].key == "str_1/000001.ts");
  CHECK(r->objects[0].size == 188);
  CHECK(r->objects[0].etag == "\"abc\"");
  CHECK(r->objects[1].size == 376);
  CHECK(r->truncated);
  CHECK(r->next_continuation_token == "tok+/=");
}

TEST_CASE("s3 xml: the last page and an empty listing", "[xml]") {
  absl::StatusOr<ListResult> r =
      ParseListObjectsV2("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  REQUIRE(r.ok());
  CHECK(r->objects.empty());
  CHECK_FALSE(r->truncated);
}

TEST_CASE("s3 xml: answers that are not S3's are protocol errors", "[xml]") {
  for (const char* body :
       {"", "<html>proxy error</html>", "<ListBucketResult><Contents><Key>a</Key></Contents>",
        "<ListBucketResult><Contents><Key>a</Key><Size>-1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"}) {
    INFO(body);
    absl::StatusOr<ListResult> r = ParseListObjectsV2(body);
    CHECK(absl::IsInternal(r.status()));
    CHECK(ReasonOf(r.status()) == "STORAGE_PROTOCOL_ERROR");
  }
}

TEST_CASE("s3 xml: entities are not expanded, external ones never fetched", "[xml]") {
  absl::StatusOr<ListResult> r = ParseListObjectsV2(R"(<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<ListBucketResult><IsTruncated>false</IsTruncated>
<Contents><Key>k&x;</Key><Size>1</Size></Contents></ListBucketResult>)");
  if (r.ok()) {
    REQUIRE(r->objects.size() == 1);
    CHECK_FALSE(absl::StrContains(r->objects[0].key, "root:"));
  }
}

TEST_CASE("s3 xml: errors, uploads and the Complete body", "[xml]") {
  S3ErrorBody e = ParseError(
      "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Reduce</Message></Error>");
  CHECK(e.code == "SlowDown");
  CHECK(e.message == "Reduce");
  CHECK(ParseError("<html/>").code.empty());
  CHECK(ParseError("").code.empty());

  absl::StatusOr<std::string> id = ParseInitiateMultipartUpload(
      "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u-1</UploadId>"
      "</InitiateMultipartUploadResult>");
  REQUIRE(id.ok());
  CHECK(*id == "u-1");
  CHECK_FALSE(ParseInitiateMultipartUpload("<InitiateMultipartUploadResult/>").ok());

  S3ErrorBody err;
  absl::StatusOr<bool> failed =
      CompleteFailed("<Error><Code>InternalError</Code><Message>m</Message></Error>", &err);
  REQUIRE(failed.ok());
  CHECK(*failed);
  CHECK(err.code == "InternalError");
  failed = CompleteFailed(
      "<CompleteMultipartUploadResult><ETag>x</ETag>"
      "</CompleteMultipartUploadResult>",
      &err);
  REQUIRE(failed.ok());
  CHECK_FALSE(*failed);

  CHECK(CompleteMultipartUploadBody({{1, "\"a1\""}, {2, "\"b<2\""}}) ==
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;a1&quot;</ETag>"
        "</Part><Part><PartNumber>2</PartNumber><ETag>&quot;b&lt;2&quot;</ETag></Part>"
        "</CompleteMultipartUpload>");
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::storage::s3xml
