#include "srt/stream_id.h"

#include <catch2/catch.hpp>
#include <string>

#include "publish/publish.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::srt {
namespace {

std::string KeyOf(std::string_view stream_id) {
  absl::StatusOr<ParsedStreamId> parsed = ParseStreamId(stream_id);
  REQUIRE(parsed.ok());
  return parsed->key;
}

std::string ReasonFor(std::string_view stream_id) {
  absl::StatusOr<ParsedStreamId> parsed = ParseStreamId(stream_id);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
  return ReasonOf(parsed.status());
}

TEST_CASE("a plain stream key is taken as the key") {
  absl::StatusOr<ParsedStreamId> parsed = ParseStreamId("sk_3F9AB0x");
  REQUIRE(parsed.ok());
  CHECK(parsed->key == "sk_3F9AB0x");
  CHECK(parsed->form == ParsedStreamId::Form::kPlainKey);
}

TEST_CASE("publish/<key> yields the key") {
  absl::StatusOr<ParsedStreamId> parsed = ParseStreamId("publish/sk_abc");
  REQUIRE(parsed.ok());
  CHECK(parsed->key == "sk_abc");
  CHECK(parsed->form == ParsedStreamId::Form::kPublishPath);
  CHECK(ReasonFor("publish/") == "STREAM_ID_INVALID");
}

TEST_CASE("the Access Control form yields r= whatever the key order") {
  CHECK(KeyOf("#!::r=sk_abc,m=publish") == "sk_abc");
  CHECK(KeyOf("#!::m=publish,r=sk_abc") == "sk_abc");
  absl::StatusOr<ParsedStreamId> parsed = ParseStreamId("#!::u=alice,r=sk_abc,s=42,t=stream");
  REQUIRE(parsed.ok());
  CHECK(parsed->key == "sk_abc");
  CHECK(parsed->user == "alice");
  CHECK(parsed->form == ParsedStreamId::Form::kAccessControl);
}

TEST_CASE("an Access Control id without m= means publish") {
  CHECK(KeyOf("#!::r=sk_abc") == "sk_abc");
}

TEST_CASE("modes other than publish are refused as unsupported") {
  CHECK(ReasonFor("#!::r=sk_abc,m=request") == "SRT_MODE_UNSUPPORTED");
  CHECK(ReasonFor("#!::m=bidirectional,r=sk_abc") == "SRT_MODE_UNSUPPORTED");
  CHECK(ReasonFor("#!::r=sk_abc,m=") == "SRT_MODE_UNSUPPORTED");
}

TEST_CASE("malformed Access Control ids are invalid") {
  CHECK(ReasonFor("#!::m=publish") == "STREAM_ID_INVALID");      // no r
  CHECK(ReasonFor("#!::r=,m=publish") == "STREAM_ID_INVALID");   // empty r
  CHECK(ReasonFor("#!::r=sk_a,r=sk_b") == "STREAM_ID_INVALID");  // r twice
  CHECK(ReasonFor("#!::rsk_abc") == "STREAM_ID_INVALID");        // no '='
  CHECK(ReasonFor("#!::r=sk_abc,") == "STREAM_ID_INVALID");      // trailing empty pair
  CHECK(ReasonFor("#!::") == "STREAM_ID_INVALID");
  CHECK(ReasonFor("#!::r=live/sk_abc") == "STREAM_ID_INVALID");  // '/' is not in keys
}

TEST_CASE("empty, oversized and non-printable ids are invalid") {
  CHECK(ReasonFor("") == "STREAM_ID_INVALID");
  CHECK(ReasonFor(std::string(kMaxStreamIdBytes + 1, 'a')) == "STREAM_ID_INVALID");
  CHECK(ReasonFor("sk_ab c") == "STREAM_ID_INVALID");
  CHECK(ReasonFor(std::string("sk_a\0b", 6)) == "STREAM_ID_INVALID");
  CHECK(ReasonFor("sk_\xc3\xa9") == "STREAM_ID_INVALID");
  CHECK(ReasonFor("sk_a\n") == "STREAM_ID_INVALID");
  CHECK(FieldOf(ParseStreamId("").status()) == "streamid");
}

TEST_CASE("percent-encoded ids, as some encoders pass them on, are decoded") {
  CHECK(KeyOf("%23%21%3A%3Ar%3Dsk_good%2Cm%3Dpublish") == "sk_good");
  CHECK(KeyOf("%23%21%3a%3ar%3dsk_good") == "sk_good");
  CHECK(ReasonFor("%23%21%3A%3Ar%3Dsk_good%2Cm%3Drequest") == "SRT_MODE_UNSUPPORTED");
  CHECK(ReasonFor("sk_%4") == "STREAM_ID_INVALID");
  CHECK(ReasonFor("sk_%zz1") == "STREAM_ID_INVALID");
  CHECK(ReasonFor("sk_%00") == "STREAM_ID_INVALID");
  CHECK(ReasonFor("sk_%0A") == "STREAM_ID_INVALID");
}

TEST_CASE("keys have only the characters issued keys have") {
  CHECK(KeyOf("sk_AZaz09-_.~") == "sk_AZaz09-_.~");
  CHECK(ReasonFor("sk_a+b") == "STREAM_ID_INVALID");
  CHECK(ReasonFor("sk_a=b") == "STREAM_ID_INVALID");
  CHECK(ReasonFor("#!::r=sk_a:b") == "STREAM_ID_INVALID");
}

TEST_CASE("keys are bounded by kMaxStreamKeyBytes in every form") {
  const std::string longest(kMaxStreamKeyBytes, 'k');
  CHECK(KeyOf(longest) == longest);
  CHECK(KeyOf("#!::r=" + longest) == longest);
  const std::string too_long(kMaxStreamKeyBytes + 1, 'k');
  CHECK(ReasonFor(too_long) == "STREAM_ID_INVALID");
  CHECK(ReasonFor("#!::r=" + too_long + ",m=publish") == "STREAM_ID_INVALID");
  CHECK(ReasonFor("publish/" + too_long) == "STREAM_ID_INVALID");
}

}  // namespace
}  // namespace shopcast::video_ingest::srt
