// The recordings RPCs on a real database: who sees what (unsaved recordings are the host's and
// admins'), SaveOrDelete and UpdateRecording with their rules, ListRecordings and ListMoments
// (by recording, product and host) with pagination, and a bad-input table for every RPC where
// each invalid field gives its code and reason and changes nothing.

#include <catch2/catch.hpp>
#include <functional>

#include "shopcast/ids/ids.h"
#include "support/app_fixture.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

namespace vi = ::shopcast::video_ingest::v1;
using grpc::StatusCode;

constexpr int64_t kSeg = 2 * kSecond;

struct Rec {
  std::string id;
  std::string stream;
};

// A stream of `segments` segments from `start_us`, ended with `choice`; its recording.
Rec Record(const AppFixture& f, const std::string& host, int segments = 3,
           vi::RecordingChoice choice = vi::RECORDING_CHOICE_UNDECIDED, int64_t start_us = kT0) {
  Rec r;
  r.stream = ids::NewId("str");
  f.Deliver(WentLiveEvent(r.stream, host, "Stream of " + host));
  for (int i = 0; i < segments; ++i) {
    f.Deliver(SegmentEvent(r.stream, i, start_us + i * kSeg, kSeg, i * kSeg));
  }
  f.Deliver(EndedEvent(r.stream, host, segments, choice));
  r.id = f.Text("SELECT id FROM recordings WHERE stream_id = '" + r.stream + "'");
  return r;
}

struct Call {
  grpc::Status status;
  std::string reason;
};

template <typename Req, typename Resp, typename Method>
Call Invoke(const AppFixture& f, const std::string& token, Method method, const Req& req,
            Resp* resp) {
  auto stub = f.Stub();
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  Call c;
  c.status = ((*stub).*method)(&ctx, req, resp);
  c.reason = ReasonOf(c.status);
  return c;
}

Call Get(const AppFixture& f, const std::string& token, const std::string& id,
         pb::GetRecordingResponse* out = nullptr) {
  pb::GetRecordingRequest req;
  req.set_recording_id(id);
  pb::GetRecordingResponse resp;
  Call c = Invoke(f, token, &pb::RecordingLifecycleService::Stub::GetRecording, req, &resp);
  if (out != nullptr) *out = resp;
  return c;
}

Call Decide(const AppFixture& f, const std::string& token, const std::string& id,
            pb::RetentionDecision d, pb::SaveOrDeleteResponse* out = nullptr) {
  pb::SaveOrDeleteRequest req;
  req.set_recording_id(id);
  req.set_decision(d);
  pb::SaveOrDeleteResponse resp;
  Call c = Invoke(f, token, &pb::RecordingLifecycleService::Stub::SaveOrDelete, req, &resp);
  if (out != nullptr) *out = resp;
  return c;
}

TEST_CASE("an undecided recording is its host's and admins' only, a saved one everyone's") {
  AppFixture f;
  const std::string host = ids::NewId("usr");
  const Rec r = Record(f, host);
  const std::string host_token = f.TokenFor(host, "host");
  const std::string admin = f.TokenFor(ids::NewId("usr"), "admin");
  const std::string viewer = f.TokenFor(ids::NewId("usr"), "viewer");

  pb::GetRecordingResponse got;
  REQUIRE(Get(f, host_token, r.id, &got).status.ok());
  CHECK(got.recording().status() == pb::RECORDING_STATUS_READY);
  CHECK(got.recording().decision() == pb::RETENTION_DECISION_UNDECIDED);
  CHECK(got.recording().segment_count() == 3);
  CHECK(got.recording().duration().seconds() == 6);
  CHECK(got.recording().stream_id() == r.stream);
  CHECK(got.recording().title() == "Stream of " + host);
  CHECK(got.recording().started_at().seconds() == kT0 / kSecond);
  CHECK(Get(f, admin, r.id).status.ok());
  CHECK(Get(f, viewer, r.id).reason == "RECORDING_NOT_FOUND");
  CHECK(Get(f, viewer, r.id).status.error_code() == StatusCode::NOT_FOUND);
  CHECK(Get(f, "", r.id).reason == "RECORDING_NOT_FOUND");
  // The same answer as a recording that does not exist: nothing to learn.
  CHECK(Get(f, viewer, ids::NewId("rec")).reason == "RECORDING_NOT_FOUND");
  // A bad token is not anonymity.
  CHECK(Get(f, "not-a-token", r.id).status.error_code() == StatusCode::UNAUTHENTICATED);

  // By stream id too.
  pb::GetRecordingRequest by_stream;
  by_stream.set_stream_id(r.stream);
  pb::GetRecordingResponse resp;
  CHECK(Invoke(f, host_token, &pb::RecordingLifecycleService::Stub::GetRecording, by_stream, &resp)
            .status.ok());
  CHECK(resp.recording().id() == r.id);

  REQUIRE(Decide(f, host_token, r.id, pb::RETENTION_DECISION_SAVE).status.ok());
  CHECK(Get(f, viewer, r.id).status.ok());
  CHECK(Get(f, "", r.id).status.ok());
}

TEST_CASE("a recording shows video-ingest's poster, then the thumbnail its host chose") {
  AppFixture f;
  const std::string host = ids::NewId("usr");
  const std::string token = f.TokenFor(host, "host");
  Rec bare = Record(f, host);
  pb::GetRecordingResponse got;
  REQUIRE(Get(f, token, bare.id, &got).status.ok());
  CHECK(got.recording().thumbnail_url().empty());  // no picture: no URL

  Rec r;
  r.stream = ids::NewId("str");
  f.Deliver(WentLiveEvent(r.stream, host, "Posters"));
  f.Deliver(SegmentEvent(r.stream, 0, kT0, kSeg, 0));
  f.Deliver(EndedEvent(r.stream, host, 1, vi::RECORDING_CHOICE_SAVE, r.stream + "/poster.jpg"));
  r.id = f.Text("SELECT id FROM recordings WHERE stream_id = '" + r.stream + "'");
  REQUIRE(Get(f, "", r.id, &got).status.ok());
  // Signed, on the VOD origin's path for the poster (the gateway's public base in front).
  CHECK_THAT(got.recording().thumbnail_url(),
             Catch::StartsWith("http://127.0.0.1:8080/vod/" + r.id + "/poster.jpg?token="));

  // A made thumbnail chosen as primary replaces it.
  const std::string thm = ids::NewId("thm");
  f.Exec(
      "INSERT INTO thumbnails (id, recording_id, kind, media_offset_us, object_key, status, "
      "created_at, updated_at)"
      " VALUES ('" +
      thm + "', '" + r.id + "', 'poster', 0, '" + r.id + "/thumbs/" + thm +
      ".jpg', 3, now(), now())");
  f.Exec("UPDATE recordings SET primary_thumbnail_id = '" + thm + "' WHERE id = '" + r.id + "'");
  REQUIRE(Get(f, "", r.id, &got).status.ok());
  CHECK_THAT(
      got.recording().thumbnail_url(),
      Catch::StartsWith("http://127.0.0.1:8080/vod/" + r.id + "/thumbs/" + thm + ".jpg?token="));
}

TEST_CASE("SaveOrDelete: the host's, idempotent, DELETE final") {
  AppFixture f;
  const std::string host = ids::NewId("usr");
  const Rec r = Record(f, host);
  const std::string host_token = f.TokenFor(host, "host");
  const std::string other_host = f.TokenFor(ids::NewId("usr"), "host");
  const std::string admin = f.TokenFor(ids::NewId("usr"), "admin");

  // Not theirs and not saved: not even there.
  CHECK(Decide(f, other_host, r.id, pb::RETENTION_DECISION_SAVE).reason == "RECORDING_NOT_FOUND");
  CHECK(Decide(f, admin, r.id, pb::RETENTION_DECISION_SAVE).reason == "NOT_RECORDING_OWNER");
  pb::SaveOrDeleteResponse saved;
  REQUIRE(Decide(f, host_token, r.id, pb::RETENTION_DECISION_SAVE, &saved).status.ok());
  CHECK(saved.recording().decision() == pb::RETENTION_DECISION_SAVE);
  CHECK(saved.recording().has_decided_at());
  REQUIRE(Decide(f, host_token, r.id, pb::RETENTION_DECISION_SAVE).status.ok());
  // Saved: others see it, and are told it is not theirs.
  CHECK(Decide(f, other_host, r.id, pb::RETENTION_DECISION_DELETE).reason == "NOT_RECORDING_OWNER");
  CHECK(Decide(f, other_host, r.id, pb::RETENTION_DECISION_DELETE).status.error_code() ==
        StatusCode::PERMISSION_DENIED);

  pb::SaveOrDeleteResponse deleted;
  REQUIRE(Decide(f, host_token, r.id, pb::RETENTION_DECISION_DELETE, &deleted).status.ok());
  CHECK(deleted.recording().status() == pb::RECORDING_STATUS_DELETING);
  CHECK(deleted.recording().decision() == pb::RETENTION_DECISION_DELETE);
  REQUIRE(Decide(f, host_token, r.id, pb::RETENTION_DECISION_DELETE).status.ok());
  const Call again = Decide(f, host_token, r.id, pb::RETENTION_DECISION_SAVE);
  CHECK(again.status.error_code() == StatusCode::FAILED_PRECONDITION);
  CHECK(again.reason == "RECORDING_DELETED");
  CHECK(f.Count("SELECT status FROM recordings") == 4);
  // Deleted is no longer public.
  CHECK(Get(f, "", r.id).reason == "RECORDING_NOT_FOUND");
  CHECK(Get(f, host_token, r.id).status.ok());

  // A legal hold blocks DELETE.
  const Rec held = Record(f, host);
  f.Exec("UPDATE recordings SET legal_hold = true WHERE id = '" + held.id + "'");
  CHECK(Decide(f, host_token, held.id, pb::RETENTION_DECISION_DELETE).reason == "LEGAL_HOLD");
  CHECK(f.Count("SELECT decision FROM recordings WHERE id = '" + held.id + "'") == 1);
}

TEST_CASE("DELETE while the stream still records takes effect when it ends") {
  AppFixture f;
  const std::string host = ids::NewId("usr"), stream = ids::NewId("str");
  f.Deliver(WentLiveEvent(stream, host, "Live"));
  f.Deliver(SegmentEvent(stream, 0, kT0, kSeg, 0));
  const std::string id = f.Text("SELECT id FROM recordings");
  pb::SaveOrDeleteResponse resp;
  REQUIRE(Decide(f, f.TokenFor(host), id, pb::RETENTION_DECISION_DELETE, &resp).status.ok());
  CHECK(resp.recording().status() == pb::RECORDING_STATUS_RECORDING);
  // The host's own choice wins over the end-stream modal's.
  f.Deliver(EndedEvent(stream, host, 1, vi::RECORDING_CHOICE_SAVE));
  CHECK(f.Count("SELECT status FROM recordings") == 4);
  CHECK(f.Count("SELECT decision FROM recordings") == 3);
}

TEST_CASE("UpdateRecording changes title and description with the version read") {
  AppFixture f;
  const std::string host = ids::NewId("usr");
  const Rec r = Record(f, host);
  const std::string token = f.TokenFor(host);
  pb::UpdateRecordingRequest req;
  req.mutable_update_mask()->add_paths("title");
  req.mutable_update_mask()->add_paths("description");
  req.mutable_recording()->set_id(r.id);
  req.mutable_recording()->set_version(1);
  req.mutable_recording()->set_title("Teapots — the replay");
  req.mutable_recording()->set_description("Best of the night.\nWith sales.");
  pb::UpdateRecordingResponse resp;
  REQUIRE(Invoke(f, token, &pb::RecordingLifecycleService::Stub::UpdateRecording, req, &resp)
              .status.ok());
  CHECK(resp.recording().title() == "Teapots — the replay");
  CHECK(resp.recording().version() == 2);
  // The same version again: someone changed it since.
  const Call stale =
      Invoke(f, token, &pb::RecordingLifecycleService::Stub::UpdateRecording, req, &resp);
  CHECK(stale.status.error_code() == StatusCode::ABORTED);
  CHECK(stale.reason == "VERSION_MISMATCH");
  // Only the mask's fields change.
  req.clear_update_mask();
  req.mutable_update_mask()->add_paths("description");
  req.mutable_recording()->set_version(2);
  req.mutable_recording()->set_title("ignored");
  req.mutable_recording()->set_description("");
  REQUIRE(Invoke(f, token, &pb::RecordingLifecycleService::Stub::UpdateRecording, req, &resp)
              .status.ok());
  CHECK(resp.recording().title() == "Teapots — the replay");
  CHECK(resp.recording().description().empty());
  // Not the host.
  req.mutable_recording()->set_version(3);
  CHECK(Invoke(f, f.TokenFor(ids::NewId("usr"), "admin"),
               &pb::RecordingLifecycleService::Stub::UpdateRecording, req, &resp)
            .reason == "NOT_RECORDING_OWNER");
}

TEST_CASE("ListRecordings: newest first, pages, undecided for the host only") {
  AppFixture f;
  const std::string host = ids::NewId("usr");
  std::vector<Rec> recs;
  for (int i = 0; i < 5; ++i) {
    recs.push_back(Record(f, host, 1,
                          i % 2 == 0 ? vi::RECORDING_CHOICE_SAVE : vi::RECORDING_CHOICE_UNDECIDED));
  }
  // Another host's recording is never listed.
  Record(f, ids::NewId("usr"), 1, vi::RECORDING_CHOICE_SAVE);
  auto list = [&](const std::string& token, const std::string& host_id, int size,
                  const std::string& page_token, pb::ListRecordingsResponse* out) {
    pb::ListRecordingsRequest req;
    req.set_host_id(host_id);
    req.mutable_page()->set_page_size(size);
    req.mutable_page()->set_page_token(page_token);
    return Invoke(f, token, &pb::RecordingLifecycleService::Stub::ListRecordings, req, out);
  };
  // The host, paging by 2 through their 5, newest first.
  std::vector<std::string> seen;
  std::string page_token;
  int pages = 0;
  do {
    pb::ListRecordingsResponse resp;
    REQUIRE(list(f.TokenFor(host), "", 2, page_token, &resp).status.ok());
    for (const auto& r : resp.recordings()) seen.push_back(r.id());
    page_token = resp.page().next_page_token();
    ++pages;
  } while (!page_token.empty() && pages < 10);
  CHECK(pages == 3);
  REQUIRE(seen.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(seen[i] == recs[4 - i].id);
  // The public: the 3 saved ones.
  pb::ListRecordingsResponse pub;
  REQUIRE(list("", host, 0, "", &pub).status.ok());
  REQUIRE(pub.recordings_size() == 3);
  CHECK(pub.recordings(0).id() == recs[4].id);
  CHECK(pub.recordings(2).id() == recs[0].id);
  // A token from another list is refused.
  pb::ListRecordingsResponse first;
  REQUIRE(list(f.TokenFor(host), "", 1, "", &first).status.ok());
  const Call mixed = list("", host, 1, first.page().next_page_token(), &pub);
  CHECK(mixed.reason == "PAGE_TOKEN_INVALID");
  // The public may not ask for undecided ones.
  pb::ListRecordingsRequest undecided;
  undecided.set_host_id(host);
  undecided.add_decisions(pb::RETENTION_DECISION_UNDECIDED);
  CHECK(Invoke(f, f.TokenFor(ids::NewId("usr"), "viewer"),
               &pb::RecordingLifecycleService::Stub::ListRecordings, undecided, &pub)
            .reason == "NOT_RECORDING_OWNER");
  // An admin may.
  REQUIRE(Invoke(f, f.TokenFor(ids::NewId("usr"), "admin"),
                 &pb::RecordingLifecycleService::Stub::ListRecordings, undecided, &pub)
              .status.ok());
  CHECK(pub.recordings_size() == 2);
}

TEST_CASE("ListMoments by recording, product and host, in order and by page") {
  AppFixture f;
  const std::string host = ids::NewId("usr");
  const Rec saved = Record(f, host, 5, vi::RECORDING_CHOICE_SAVE);
  const Rec hidden = Record(f, host, 5, vi::RECORDING_CHOICE_UNDECIDED, kT0 + 3600 * kSecond);
  // Out of media order on purpose.
  f.Deliver(SaleEvent(saved.stream, host, "ord_3", "prd_x", kT0 + 7 * kSecond));
  f.Deliver(SaleEvent(saved.stream, host, "ord_1", "prd_x", kT0 + 1 * kSecond));
  f.Deliver(SaleEvent(saved.stream, host, "ord_2", "prd_y", kT0 + 4 * kSecond, "auc_1"));
  f.Deliver(SaleEvent(hidden.stream, host, "ord_h", "prd_x", kT0 + 3601 * kSecond));
  f.Deliver(SaleCancelledEvent("ord_3", "prd_x"));

  auto moments = [&](const std::string& token, pb::ListMomentsRequest req) {
    std::vector<std::string> orders;
    std::string page_token;
    for (int pages = 0; pages < 10; ++pages) {
      req.mutable_page()->set_page_size(1);
      req.mutable_page()->set_page_token(page_token);
      pb::ListMomentsResponse resp;
      const Call c =
          Invoke(f, token, &pb::RecordingLifecycleService::Stub::ListMoments, req, &resp);
      REQUIRE(c.status.ok());
      for (const auto& m : resp.moments()) orders.push_back(m.order_id());
      page_token = resp.page().next_page_token();
      if (page_token.empty()) break;
    }
    return orders;
  };
  pb::ListMomentsRequest by_rec;
  by_rec.set_recording_id(saved.id);
  CHECK(moments("", by_rec) == std::vector<std::string>{"ord_1", "ord_2"});
  by_rec.set_include_cancelled(true);
  CHECK(moments("", by_rec) == std::vector<std::string>{"ord_1", "ord_2", "ord_3"});
  pb::ListMomentsResponse one;
  by_rec.mutable_page()->set_page_size(10);
  REQUIRE(
      Invoke(f, "", &pb::RecordingLifecycleService::Stub::ListMoments, by_rec, &one).status.ok());
  REQUIRE(one.moments_size() == 3);
  CHECK(one.moments(1).kind() == pb::MOMENT_KIND_AUCTION_SALE);
  CHECK(one.moments(1).media_offset().seconds() == 4);
  CHECK(one.moments(1).amount().amount_minor() == 2500);
  CHECK(one.moments(2).cancelled());

  pb::ListMomentsRequest by_product;
  by_product.set_product_id("prd_x");
  by_product.set_include_cancelled(true);
  // Newest first; the undecided recording's sale for its host only.
  CHECK(moments("", by_product) == std::vector<std::string>{"ord_3", "ord_1"});
  CHECK(moments(f.TokenFor(host), by_product) ==
        std::vector<std::string>{"ord_h", "ord_3", "ord_1"});
  pb::ListMomentsRequest by_host;
  by_host.set_host_id(host);
  CHECK(moments("", by_host) == std::vector<std::string>{"ord_2", "ord_1"});
  CHECK(moments(f.TokenFor(ids::NewId("usr"), "admin"), by_host) ==
        std::vector<std::string>{"ord_h", "ord_2", "ord_1"});
  // The undecided recording's moments by id: not for the public.
  pb::ListMomentsRequest hidden_rec;
  hidden_rec.set_recording_id(hidden.id);
  CHECK(Invoke(f, "", &pb::RecordingLifecycleService::Stub::ListMoments, hidden_rec, &one).reason ==
        "RECORDING_NOT_FOUND");
  pb::GetRecordingResponse got;
  REQUIRE(Get(f, "", saved.id, &got).status.ok());
  CHECK(got.recording().moment_count() == 2);
}

TEST_CASE("every RPC refuses each bad field with its code and reason and changes nothing") {
  AppFixture f;
  const std::string host = ids::NewId("usr");
  const Rec r = Record(f, host, 2, vi::RECORDING_CHOICE_SAVE);
  const std::string token = f.TokenFor(host);
  const std::string before =
      f.Text("SELECT row(r.*)::text FROM recordings r WHERE id = '" + r.id + "'");
  struct Case {
    const char* name;
    std::function<Call()> call;
    StatusCode code;
    const char* reason;
  };
  using S = pb::RecordingLifecycleService::Stub;
  auto get = [&](std::function<void(pb::GetRecordingRequest&)> edit) {
    return [&, edit] {
      pb::GetRecordingRequest req;
      edit(req);
      pb::GetRecordingResponse resp;
      return Invoke(f, token, &S::GetRecording, req, &resp);
    };
  };
  auto list = [&](std::function<void(pb::ListRecordingsRequest&)> edit) {
    return [&, edit] {
      pb::ListRecordingsRequest req;
      edit(req);
      pb::ListRecordingsResponse resp;
      return Invoke(f, token, &S::ListRecordings, req, &resp);
    };
  };
  auto moments = [&](std::function<void(pb::ListMomentsRequest&)> edit) {
    return [&, edit] {
      pb::ListMomentsRequest req;
      req.set_recording_id(r.id);
      edit(req);
      pb::ListMomentsResponse resp;
      return Invoke(f, token, &S::ListMoments, req, &resp);
    };
  };
  auto decide = [&](std::function<void(pb::SaveOrDeleteRequest&)> edit) {
    return [&, edit] {
      pb::SaveOrDeleteRequest req;
      req.set_recording_id(r.id);
      req.set_decision(pb::RETENTION_DECISION_DELETE);
      edit(req);
      pb::SaveOrDeleteResponse resp;
      return Invoke(f, token, &S::SaveOrDelete, req, &resp);
    };
  };
  auto update = [&](std::function<void(pb::UpdateRecordingRequest&)> edit,
                    const std::string& tok = "") {
    return [&, edit, tok] {
      pb::UpdateRecordingRequest req;
      req.mutable_update_mask()->add_paths("title");
      req.mutable_recording()->set_id(r.id);
      req.mutable_recording()->set_version(1);
      req.mutable_recording()->set_title("Fine title");
      edit(req);
      pb::UpdateRecordingResponse resp;
      return Invoke(f, tok.empty() ? token : tok, &S::UpdateRecording, req, &resp);
    };
  };
  const StatusCode kBad = StatusCode::INVALID_ARGUMENT;
  const std::vector<Case> cases = {
      {"get: no key", get([](auto&) {}), kBad, "KEY_REQUIRED"},
      {"get: bad recording id", get([](auto& q) { q.set_recording_id("rec_x"); }), kBad,
       "RECORDING_ID_INVALID"},
      {"get: empty recording id", get([](auto& q) { q.set_recording_id(""); }), kBad,
       "RECORDING_ID_INVALID"},
      {"get: bad stream id", get([](auto& q) { q.set_stream_id("../str"); }), kBad,
       "STREAM_ID_INVALID"},
      {"list: bad host", list([](auto& q) { q.set_host_id("usr 1"); }), kBad, "HOST_ID_INVALID"},
      {"list: bad decision", list([](auto& q) { q.add_decisions(pb::RetentionDecision(9)); }), kBad,
       "DECISION_INVALID"},
      {"list: unspecified decision",
       list([](auto& q) { q.add_decisions(pb::RETENTION_DECISION_UNSPECIFIED); }), kBad,
       "DECISION_INVALID"},
      {"list: bad tier", list([](auto& q) { q.add_tiers(pb::STORAGE_TIER_UNSPECIFIED); }), kBad,
       "TIER_INVALID"},
      {"list: page size", list([](auto& q) { q.mutable_page()->set_page_size(101); }), kBad,
       "PAGE_SIZE_INVALID"},
      {"list: negative page size", list([](auto& q) { q.mutable_page()->set_page_size(-1); }), kBad,
       "PAGE_SIZE_INVALID"},
      {"list: forged token", list([](auto& q) { q.mutable_page()->set_page_token("abc"); }), kBad,
       "PAGE_TOKEN_INVALID"},
      {"list: huge token",
       list([](auto& q) { q.mutable_page()->set_page_token(std::string(600, 'a')); }), kBad,
       "PAGE_TOKEN_INVALID"},
      {"moments: no scope", moments([](auto& q) { q.clear_recording_id(); }), kBad,
       "MOMENT_SCOPE_INVALID"},
      {"moments: two scopes", moments([](auto& q) { q.set_product_id("prd_1"); }), kBad,
       "MOMENT_SCOPE_INVALID"},
      {"moments: bad recording", moments([](auto& q) { q.set_recording_id("rec_"); }), kBad,
       "RECORDING_ID_INVALID"},
      {"moments: bad product", moments([](auto& q) {
         q.clear_recording_id();
         q.set_product_id(std::string(65, 'p'));
       }),
       kBad, "PRODUCT_ID_INVALID"},
      {"moments: bad host", moments([](auto& q) {
         q.clear_recording_id();
         q.set_host_id("usr\n");
       }),
       kBad, "HOST_ID_INVALID"},
      {"moments: page size", moments([](auto& q) { q.mutable_page()->set_page_size(1000); }), kBad,
       "PAGE_SIZE_INVALID"},
      {"moments: forged token", moments([](auto& q) { q.mutable_page()->set_page_token("x"); }),
       kBad, "PAGE_TOKEN_INVALID"},
      {"decide: bad id", decide([](auto& q) { q.set_recording_id("nope"); }), kBad,
       "RECORDING_ID_INVALID"},
      {"decide: unspecified",
       decide([](auto& q) { q.set_decision(pb::RETENTION_DECISION_UNSPECIFIED); }), kBad,
       "DECISION_INVALID"},
      {"decide: undecided",
       decide([](auto& q) { q.set_decision(pb::RETENTION_DECISION_UNDECIDED); }), kBad,
       "DECISION_INVALID"},
      {"decide: out of range", decide([](auto& q) { q.set_decision(pb::RetentionDecision(7)); }),
       kBad, "DECISION_INVALID"},
      {"decide: unknown recording", decide([](auto& q) { q.set_recording_id(ids::NewId("rec")); }),
       StatusCode::NOT_FOUND, "RECORDING_NOT_FOUND"},
      {"update: no mask", update([](auto& q) { q.clear_update_mask(); }), kBad,
       "UPDATE_MASK_REQUIRED"},
      {"update: bad path", update([](auto& q) { q.mutable_update_mask()->add_paths("status"); }),
       kBad, "UPDATE_MASK_INVALID"},
      {"update: bad id", update([](auto& q) { q.mutable_recording()->set_id(""); }), kBad,
       "RECORDING_ID_INVALID"},
      {"update: no version", update([](auto& q) { q.mutable_recording()->set_version(0); }), kBad,
       "VERSION_REQUIRED"},
      {"update: empty title", update([](auto& q) { q.mutable_recording()->set_title(""); }), kBad,
       "TITLE_INVALID"},
      {"update: blank title", update([](auto& q) { q.mutable_recording()->set_title("   "); }),
       kBad, "TITLE_INVALID"},
      {"update: long title",
       update([](auto& q) { q.mutable_recording()->set_title(std::string(121, 't')); }), kBad,
       "TITLE_INVALID"},
      {"update: control in title",
       update([](auto& q) { q.mutable_recording()->set_title("a\x01b"); }), kBad, "TITLE_INVALID"},
      // proto3 strings must be UTF-8: the server's parser refuses it before any handler runs.
      {"update: not UTF-8", update([](auto& q) { q.mutable_recording()->set_title("\xff\xfe"); }),
       kBad, ""},
      {"update: long description", update([](auto& q) {
         q.mutable_update_mask()->add_paths("description");
         q.mutable_recording()->set_description(std::string(2001, 'd'));
       }),
       kBad, "DESCRIPTION_INVALID"},
      {"update: stale version", update([](auto& q) { q.mutable_recording()->set_version(5); }),
       StatusCode::ABORTED, "VERSION_MISMATCH"},
      {"update: no token", update([](auto&) {}, "bad-token"), StatusCode::UNAUTHENTICATED, ""},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const Call got = c.call();
    CHECK(got.status.error_code() == c.code);
    if (*c.reason != '\0') CHECK(got.reason == c.reason);
  }
  CHECK(f.Text("SELECT row(r.*)::text FROM recordings r WHERE id = '" + r.id + "'") == before);
  // Writes need a token.
  pb::SaveOrDeleteRequest anon;
  anon.set_recording_id(r.id);
  anon.set_decision(pb::RETENTION_DECISION_DELETE);
  pb::SaveOrDeleteResponse resp;
  CHECK(Invoke(f, "", &S::SaveOrDelete, anon, &resp).status.error_code() ==
        StatusCode::UNAUTHENTICATED);
  // ListRecordings of "me" needs a token.
  pb::ListRecordingsRequest mine;
  pb::ListRecordingsResponse list_resp;
  CHECK(Invoke(f, "", &S::ListRecordings, mine, &list_resp).status.error_code() ==
        StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::testing
