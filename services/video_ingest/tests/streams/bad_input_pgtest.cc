// Malformed and hostile requests: each gets the right status and reason, and nothing is stored.
#include <catch2/catch.hpp>

#include "absl/strings/escaping.h"
#include "streams/page_token.h"
#include "streams_fixture.h"

using namespace shopcast::video_ingest::streams;           // NOLINT: test file
using namespace shopcast::video_ingest::streams::testing;  // NOLINT: test file
using shopcast::auth::Role;

namespace {

struct CreateCase {
  const char* name;
  std::function<void(vpb::CreateStreamRequest&)> spoil;
  grpc::StatusCode code;
  std::string reason;
};

}  // namespace

TEST_CASE("bad CreateStream requests are refused with a reason and store nothing") {
  StreamsFixture f;
  const std::string host = f.TokenFor(Role::kHost);
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  std::vector<CreateCase> cases = {
      {"empty title", [](auto& r) { r.set_title(""); }, grpc::INVALID_ARGUMENT, "TITLE_INVALID"},
      {"blank title", [](auto& r) { r.set_title("   "); }, grpc::INVALID_ARGUMENT, "TITLE_INVALID"},
      {"oversized title", [](auto& r) { r.set_title(std::string(100000, 't')); },
       grpc::INVALID_ARGUMENT, "TITLE_INVALID"},
      {"control chars", [](auto& r) { r.set_title("evil\x1b[31mred"); }, grpc::INVALID_ARGUMENT,
       "TITLE_INVALID"},
      {"invalid UTF-8", [](auto& r) { r.set_title("bad \xff\xfe bytes"); }, grpc::INVALID_ARGUMENT,
       "REQUEST_MALFORMED"},
      {"right-to-left override in the title",
       [](auto& r) {
         r.set_title(
             "Sale \xe2\x80\xae"
             "%05 ffo");
       },
       grpc::INVALID_ARGUMENT, "TITLE_INVALID"},
      {"isolate in the title",
       [](auto& r) {
         r.set_title(
             "a\xe2\x81\xa6"
             "b");
       },
       grpc::INVALID_ARGUMENT, "TITLE_INVALID"},
      {"zero-width title", [](auto& r) { r.set_title("\xe2\x80\x8b\xe2\x80\x8d"); },
       grpc::INVALID_ARGUMENT, "TITLE_INVALID"},
      {"no-break-space title", [](auto& r) { r.set_title("\xc2\xa0\xe2\x80\xaf"); },
       grpc::INVALID_ARGUMENT, "TITLE_INVALID"},
      {"override in the description",
       [](auto& r) {
         r.set_description(
             "fine\n\xe2\x80\xae"
             "txet");
       },
       grpc::INVALID_ARGUMENT, "DESCRIPTION_INVALID"},
      {"schedule nanos of -1",
       [now](auto& r) {
         r.mutable_scheduled_start_at()->set_seconds(now + 3600);
         r.mutable_scheduled_start_at()->set_nanos(-1);
       },
       grpc::INVALID_ARGUMENT, "TIMESTAMP_INVALID"},
      {"schedule nanos of 2e9",
       [now](auto& r) {
         r.mutable_scheduled_start_at()->set_seconds(now + 3600);
         r.mutable_scheduled_start_at()->set_nanos(2000000000);
       },
       grpc::INVALID_ARGUMENT, "TIMESTAMP_INVALID"},
      {"long description", [](auto& r) { r.set_description(std::string(2001, 'd')); },
       grpc::INVALID_ARGUMENT, "DESCRIPTION_TOO_LONG"},
      {"bad tag", [](auto& r) { r.add_tags("no spaces"); }, grpc::INVALID_ARGUMENT, "TAG_INVALID"},
      {"duplicate tag",
       [](auto& r) {
         r.add_tags("a");
         r.add_tags("A");
       },
       grpc::INVALID_ARGUMENT, "TAG_INVALID"},
      {"too many tags",
       [](auto& r) {
         for (int i = 0; i < 11; ++i) r.add_tags("t" + std::to_string(i));
       },
       grpc::INVALID_ARGUMENT, "TOO_MANY_TAGS"},
      {"schedule in the past",
       [now](auto& r) { r.mutable_scheduled_start_at()->set_seconds(now - 60); },
       grpc::INVALID_ARGUMENT, "SCHEDULE_OUT_OF_RANGE"},
      {"schedule too far",
       [now](auto& r) { r.mutable_scheduled_start_at()->set_seconds(now + 91 * 86400); },
       grpc::INVALID_ARGUMENT, "SCHEDULE_OUT_OF_RANGE"},
      {"missing idempotency key", [](auto& r) { r.clear_idempotency_key(); },
       grpc::INVALID_ARGUMENT, "IDEMPOTENCY_KEY_REQUIRED"},
      {"oversized idempotency key", [](auto& r) { r.set_idempotency_key(std::string(65, 'k')); },
       grpc::INVALID_ARGUMENT, "IDEMPOTENCY_KEY_INVALID"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    vpb::CreateStreamRequest req;
    req.set_title("Fine title");
    req.set_idempotency_key("key-1");
    c.spoil(req);
    vpb::CreateStreamResponse res;
    auto ctx = Ctx(host);
    grpc::Status st = f.stub().CreateStream(ctx.get(), req, &res);
    CHECK(st.error_code() == c.code);
    CHECK(ReasonOf(*ctx) == c.reason);
    CHECK(res.endpoints().stream_key().empty());
  }

  // Who may create: nobody without a token, no viewer.
  vpb::CreateStreamRequest ok;
  ok.set_title("Fine title");
  ok.set_idempotency_key("key-1");
  vpb::CreateStreamResponse res;
  auto anon = Ctx();
  CHECK(f.stub().CreateStream(anon.get(), ok, &res).error_code() == grpc::UNAUTHENTICATED);
  CHECK(ReasonOf(*anon) == "TOKEN_MISSING");
  auto garbage = Ctx("not.a.jwt");
  CHECK(f.stub().CreateStream(garbage.get(), ok, &res).error_code() == grpc::UNAUTHENTICATED);
  auto viewer = Ctx(f.TokenFor(Role::kViewer));
  CHECK(f.stub().CreateStream(viewer.get(), ok, &res).error_code() == grpc::PERMISSION_DENIED);
  CHECK(ReasonOf(*viewer) == "NOT_A_HOST");

  CHECK(f.Count("streams") == 0);
  CHECK(f.Count("outbox") == 0);
}

TEST_CASE("bad ids, page requests and choices are INVALID_ARGUMENT, never server errors") {
  StreamsFixture f;
  const std::string host = f.TokenFor(Role::kHost);
  const std::string id = f.Create(host, "Show", "k").stream().id();

  for (const std::string& bad :
       {std::string(), std::string("str_'; DROP TABLE streams; --"),
        std::string("usr_00000000000000000000000000"), std::string(5000, 's')}) {
    INFO(bad.substr(0, 40));
    vpb::GetStreamRequest req;
    req.set_stream_id(bad);
    vpb::GetStreamResponse res;
    auto ctx = Ctx();
    CHECK(f.stub().GetStream(ctx.get(), req, &res).error_code() == grpc::INVALID_ARGUMENT);
    CHECK(ReasonOf(*ctx) == "STREAM_ID_INVALID");
  }

  struct PageCase {
    int page_size;
    std::string token;
    std::string tag;
    std::string host_id;
    std::string reason;
  };
  for (const auto& c : std::vector<PageCase>{
           {-1, "", "", "", "PAGE_SIZE_INVALID"},
           {101, "", "", "", "PAGE_SIZE_INVALID"},
           {INT32_MAX, "", "", "", "PAGE_SIZE_INVALID"},
           {INT32_MIN, "", "", "", "PAGE_SIZE_INVALID"},
           {10, "not-a-token", "", "", "PAGE_TOKEN_INVALID"},
           {10, std::string(10000, 'A'), "", "", "PAGE_TOKEN_INVALID"},
           // A real token for other filters: replayed.
           {10,
            EncodePageToken(f.page_tokens(), "live", "hats;",
                            PageCursor{false, 1, "str_01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
            "", "", "PAGE_TOKEN_INVALID"},
           // Forged cursors in the old unsigned format: keys of ±2^63 and an id that is not
           // UTF-8 reached PostgreSQL and came back INTERNAL/DB_ERROR.
           {10, absl::WebSafeBase64Escape("v1|live|;|9223372036854775807|str_X"), "", "",
            "PAGE_TOKEN_INVALID"},
           {10, absl::WebSafeBase64Escape("v1|live|;|-9223372036854775808|str_X"), "", "",
            "PAGE_TOKEN_INVALID"},
           {10, absl::WebSafeBase64Escape("v1|live|;|5|\xff\xfe"), "", "", "PAGE_TOKEN_INVALID"},
           {10, "", "bad tag!", "", "TAG_INVALID"},
           {10, "", "", "str_x", "USER_ID_INVALID"},
       }) {
    INFO(c.page_size << " " << c.reason);
    vpb::ListLiveStreamsRequest req;
    req.mutable_page()->set_page_size(c.page_size);
    req.mutable_page()->set_page_token(c.token);
    req.set_tag(c.tag);
    req.set_host_id(c.host_id);
    vpb::ListLiveStreamsResponse res;
    auto ctx = Ctx();
    CHECK(f.stub().ListLiveStreams(ctx.get(), req, &res).error_code() == grpc::INVALID_ARGUMENT);
    CHECK(ReasonOf(*ctx) == c.reason);
  }

  vpb::ListMyStreamsRequest mine;
  vpb::ListMyStreamsResponse mine_res;
  auto anon = Ctx();
  CHECK(f.stub().ListMyStreams(anon.get(), mine, &mine_res).error_code() == grpc::UNAUTHENTICATED);
  auto viewer = Ctx(f.TokenFor(Role::kViewer));
  CHECK(f.stub().ListMyStreams(viewer.get(), mine, &mine_res).error_code() ==
        grpc::PERMISSION_DENIED);
  CHECK(ReasonOf(*viewer) == "NOT_A_HOST");
  mine.add_statuses(static_cast<shopcast::common::v1::StreamStatus>(42));
  auto bad_status = Ctx(host);
  CHECK(f.stub().ListMyStreams(bad_status.get(), mine, &mine_res).error_code() ==
        grpc::INVALID_ARGUMENT);

  vpb::EndStreamRequest end;
  end.set_stream_id(id);
  vpb::EndStreamResponse end_res;
  auto no_choice = Ctx(host);
  CHECK(f.stub().EndStream(no_choice.get(), end, &end_res).error_code() == grpc::INVALID_ARGUMENT);
  CHECK(ReasonOf(*no_choice) == "RECORDING_CHOICE_REQUIRED");
  end.set_recording_choice(vpb::RECORDING_CHOICE_SAVE);
  auto no_token = Ctx();
  CHECK(f.stub().EndStream(no_token.get(), end, &end_res).error_code() == grpc::UNAUTHENTICATED);

  vpb::UpdateStreamRequest upd;
  upd.mutable_stream()->set_id(id);
  upd.mutable_stream()->set_version(1);
  vpb::UpdateStreamResponse upd_res;
  auto no_mask = Ctx(host);
  CHECK(f.stub().UpdateStream(no_mask.get(), upd, &upd_res).error_code() == grpc::INVALID_ARGUMENT);
  CHECK(ReasonOf(*no_mask) == "UPDATE_MASK_INVALID");
  upd.mutable_update_mask()->add_paths("status");
  auto bad_path = Ctx(host);
  CHECK(f.stub().UpdateStream(bad_path.get(), upd, &upd_res).error_code() ==
        grpc::INVALID_ARGUMENT);
  upd.mutable_update_mask()->Clear();
  upd.mutable_update_mask()->add_paths("scheduled_start_at");
  upd.mutable_stream()->mutable_scheduled_start_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) +
                                                                  3600);
  upd.mutable_stream()->mutable_scheduled_start_at()->set_nanos(-1);
  auto bad_nanos = Ctx(host);
  CHECK(f.stub().UpdateStream(bad_nanos.get(), upd, &upd_res).error_code() ==
        grpc::INVALID_ARGUMENT);
  CHECK(ReasonOf(*bad_nanos) == "TIMESTAMP_INVALID");
  upd.mutable_stream()->clear_scheduled_start_at();
  upd.mutable_update_mask()->Clear();
  upd.mutable_update_mask()->add_paths("title");
  upd.mutable_stream()->set_title(
      "Flash \xe2\x80\xae"
      "elas");
  auto bidi_title = Ctx(host);
  CHECK(f.stub().UpdateStream(bidi_title.get(), upd, &upd_res).error_code() ==
        grpc::INVALID_ARGUMENT);
  CHECK(ReasonOf(*bidi_title) == "TITLE_INVALID");
  upd.mutable_stream()->set_title(std::string(121, 't'));
  auto long_title = Ctx(host);
  CHECK(f.stub().UpdateStream(long_title.get(), upd, &upd_res).error_code() ==
        grpc::INVALID_ARGUMENT);
  CHECK(ReasonOf(*long_title) == "TITLE_INVALID");

  vpb::LookupStreamsRequest look;
  vpb::LookupStreamsResponse look_res;
  auto empty_lookup = Ctx();
  CHECK(f.internal().LookupStreams(empty_lookup.get(), look, &look_res).error_code() ==
        grpc::INVALID_ARGUMENT);
  for (int i = 0; i < 101; ++i) look.add_stream_ids(id);
  auto huge_lookup = Ctx();
  CHECK(f.internal().LookupStreams(huge_lookup.get(), look, &look_res).error_code() ==
        grpc::INVALID_ARGUMENT);

  vpb::ListSegmentsRequest segs;
  segs.set_stream_id(id);
  segs.mutable_page()->set_page_size(1001);
  vpb::ListSegmentsResponse segs_res;
  auto big_page = Ctx();
  CHECK(f.internal().ListSegments(big_page.get(), segs, &segs_res).error_code() ==
        grpc::INVALID_ARGUMENT);
  CHECK(ReasonOf(*big_page) == "PAGE_SIZE_INVALID");

  // Nothing changed: one stream, version 1, the only event its creation.
  CHECK(f.Count("streams") == 1);
  CHECK(f.Scalar("SELECT version FROM streams") == "1");
  CHECK(f.Events().size() == 1);
}
