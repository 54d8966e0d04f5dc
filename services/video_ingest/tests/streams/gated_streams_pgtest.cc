// Gated streams over gRPC: gating and its price at CreateStream and UpdateStream (field-level
// reasons), what GetStream, LookupStreams and the events say, and who GetPlaybackToken serves.

#include <catch2/catch.hpp>

#include "access/playback_token.h"
#include "shopcast/ids/ids.h"
#include "streams_fixture.h"

namespace shopcast::video_ingest::streams::testing {
namespace {

using auth::Role;

struct Call {
  grpc::Status status;
  std::string reason;
  std::string field;
};

Call Finish(const grpc::Status& st, const grpc::ClientContext& ctx) {
  const auto& t = ctx.GetServerTrailingMetadata();
  auto it = t.find("shopcast-error-field");
  return Call{st, ReasonOf(ctx),
              it == t.end() ? "" : std::string(it->second.data(), it->second.size())};
}

Call CreateGated(StreamsFixture& f, const std::string& token, bool gated, int64_t amount,
                 const std::string& currency, vpb::CreateStreamResponse* res,
                 const std::string& key = "") {
  vpb::CreateStreamRequest req;
  req.set_title("paid show");
  req.set_idempotency_key(key.empty() ? ids::NewId("idem") : key);
  req.set_gated(gated);
  if (!currency.empty() || amount != 0) {
    req.mutable_access_price()->set_amount_minor(amount);
    req.mutable_access_price()->set_currency(currency);
  }
  auto ctx = Ctx(token);
  grpc::Status st = f.stub().CreateStream(ctx.get(), req, res);
  return Finish(st, *ctx);
}

Call Update(StreamsFixture& f, const std::string& token, const vpb::Stream& base,
            const std::vector<std::string>& paths, const std::function<void(vpb::Stream&)>& change,
            vpb::UpdateStreamResponse* res) {
  vpb::UpdateStreamRequest req;
  *req.mutable_stream() = base;
  req.mutable_stream()->clear_access_price();
  change(*req.mutable_stream());
  for (const auto& p : paths) req.mutable_update_mask()->add_paths(p);
  auto ctx = Ctx(token);
  grpc::Status st = f.stub().UpdateStream(ctx.get(), req, res);
  return Finish(st, *ctx);
}

Call PlaybackToken(StreamsFixture& f, const std::string& token, const std::string& stream,
                   vpb::GetPlaybackTokenResponse* res) {
  vpb::GetPlaybackTokenRequest req;
  req.set_stream_id(stream);
  auto ctx = Ctx(token);
  grpc::Status st = f.stub().GetPlaybackToken(ctx.get(), req, res);
  return Finish(st, *ctx);
}

TEST_CASE("CreateStream gates a stream with a price, or says which field is wrong", "[gated]") {
  StreamsFixture f;
  const std::string host = f.TokenFor(Role::kHost);
  vpb::CreateStreamResponse res;
  Call ok = CreateGated(f, host, true, 499, "EUR", &res);
  REQUIRE(ok.status.ok());
  CHECK(res.stream().gated());
  CHECK(res.stream().access_price().amount_minor() == 499);
  CHECK(res.stream().access_price().currency() == "EUR");

  struct Bad {
    bool gated;
    int64_t amount;
    std::string currency, reason, field;
  };
  for (const Bad& b :
       {Bad{true, 0, "", "ACCESS_PRICE_REQUIRED", "access_price"},
        Bad{true, 0, "USD", "ACCESS_PRICE_OUT_OF_RANGE", "access_price.amount_minor"},
        Bad{true, -5, "USD", "ACCESS_PRICE_OUT_OF_RANGE", "access_price.amount_minor"},
        Bad{true, 10'000'001, "USD", "ACCESS_PRICE_OUT_OF_RANGE", "access_price.amount_minor"},
        Bad{true, 100, "usd", "CURRENCY_INVALID", "access_price.currency"},
        Bad{true, 100, "US", "CURRENCY_INVALID", "access_price.currency"},
        Bad{false, 100, "EURO", "CURRENCY_INVALID", "access_price.currency"}}) {
    INFO(b.reason << " " << b.amount << " " << b.currency);
    vpb::CreateStreamResponse r;
    Call c = CreateGated(f, host, b.gated, b.amount, b.currency, &r);
    CHECK(c.status.error_code() == grpc::INVALID_ARGUMENT);
    CHECK(c.reason == b.reason);
    CHECK(c.field == b.field);
  }
  // An ungated stream may carry a price for later; the top price is accepted.
  vpb::CreateStreamResponse later;
  REQUIRE(CreateGated(f, host, false, 10'000'000, "JPY", &later).status.ok());
  CHECK(!later.stream().gated());
  CHECK(later.stream().access_price().amount_minor() == 10'000'000);

  // The same idempotency key with other gating is another request.
  vpb::CreateStreamResponse first, again;
  REQUIRE(CreateGated(f, host, true, 100, "USD", &first, "same-key").status.ok());
  CHECK(CreateGated(f, host, true, 200, "USD", &again, "same-key").reason ==
        "IDEMPOTENCY_KEY_REUSED");
  CHECK(CreateGated(f, host, true, 100, "USD", &again, "same-key").reason ==
        "STREAM_KEY_ALREADY_ISSUED");
}

TEST_CASE("UpdateStream gates, prices and ungates, and ungating keeps the price", "[gated]") {
  StreamsFixture f;
  const std::string host = f.TokenFor(Role::kHost);
  vpb::Stream s = f.Create(host, "show", "k").stream();
  vpb::UpdateStreamResponse res;

  // Gating without a price, given or stored.
  Call c = Update(
      f, host, s, {"gated"}, [](vpb::Stream& x) { x.set_gated(true); }, &res);
  CHECK(c.reason == "ACCESS_PRICE_REQUIRED");
  CHECK(c.field == "stream.access_price");
  c = Update(
      f, host, s, {"access_price"}, [](vpb::Stream&) {}, &res);
  CHECK(c.reason == "ACCESS_PRICE_REQUIRED");
  c = Update(
      f, host, s, {"access_price"},
      [](vpb::Stream& x) { x.mutable_access_price()->set_currency("EUR"); }, &res);
  CHECK(c.reason == "ACCESS_PRICE_OUT_OF_RANGE");
  CHECK(c.field == "stream.access_price.amount_minor");

  c = Update(
      f, host, s, {"gated", "access_price"},
      [](vpb::Stream& x) {
        x.set_gated(true);
        x.mutable_access_price()->set_amount_minor(999);
        x.mutable_access_price()->set_currency("GBP");
      },
      &res);
  REQUIRE(c.status.ok());
  CHECK(res.stream().gated());
  CHECK(res.stream().version() == s.version() + 1);
  s = res.stream();

  c = Update(
      f, host, s, {"gated"}, [](vpb::Stream& x) { x.set_gated(false); }, &res);
  REQUIRE(c.status.ok());
  CHECK(!res.stream().gated());
  CHECK(res.stream().access_price().amount_minor() == 999);
  CHECK(res.stream().title() == "show");
  s = res.stream();
  // Gated again: the stored price applies.
  c = Update(
      f, host, s, {"gated"}, [](vpb::Stream& x) { x.set_gated(true); }, &res);
  REQUIRE(c.status.ok());
  CHECK(res.stream().gated());
  CHECK(res.stream().access_price().currency() == "GBP");

  // Another host may not.
  c = Update(
      f, f.TokenFor(Role::kHost), res.stream(), {"gated"},
      [](vpb::Stream& x) { x.set_gated(false); }, &res);
  CHECK(c.status.error_code() == grpc::PERMISSION_DENIED);

  // The events tell the peers (the gateway shows the price).
  auto updated = Payload<vpb::StreamUpdated>(f.Events("video_ingest.stream_updated").back());
  CHECK(updated.gated());
  CHECK(updated.access_price().amount_minor() == 999);
}

TEST_CASE("LookupStreams returns gating and price for the order service", "[gated]") {
  StreamsFixture f;
  const std::string host = f.TokenFor(Role::kHost);
  vpb::CreateStreamResponse gated, open;
  REQUIRE(CreateGated(f, host, true, 1500, "USD", &gated).status.ok());
  REQUIRE(CreateGated(f, host, false, 0, "", &open).status.ok());
  vpb::LookupStreamsRequest req;
  req.add_stream_ids(gated.stream().id());
  req.add_stream_ids(open.stream().id());
  vpb::LookupStreamsResponse res;
  auto ctx = Ctx();
  REQUIRE(f.internal().LookupStreams(ctx.get(), req, &res).ok());
  REQUIRE(res.streams_size() == 2);
  for (const auto& ref : res.streams()) {
    if (ref.stream_id() == gated.stream().id()) {
      CHECK(ref.gated());
      CHECK(ref.access_price().amount_minor() == 1500);
      CHECK(ref.access_price().currency() == "USD");
    } else {
      CHECK(!ref.gated());
      CHECK(!ref.has_access_price());
    }
  }
}

TEST_CASE("GetPlaybackToken serves host, admin and pass holders and refuses others", "[gated]") {
  StreamsFixture f;
  std::string host_id, viewer_id, stranger_id;
  const std::string host = f.TokenFor(Role::kHost, &host_id);
  const std::string viewer = f.TokenFor(Role::kViewer, &viewer_id);
  const std::string stranger = f.TokenFor(Role::kViewer, &stranger_id);
  const std::string admin = f.TokenFor(Role::kAdmin);
  vpb::CreateStreamResponse created;
  REQUIRE(CreateGated(f, host, true, 500, "USD", &created).status.ok());
  const std::string id = created.stream().id();

  vpb::GetPlaybackTokenResponse res;
  for (const std::string& who : {host, admin}) {
    Call c = PlaybackToken(f, who, id, &res);
    REQUIRE(c.status.ok());
    CHECK(res.gated());
    CHECK(!res.token().empty());
    CHECK(res.token().size() <= access::kMaxTokenChars);
    CHECK(res.playback_url() ==
          std::string(kPlaybackBase) + "/live/" + id + "/index.m3u8?token=" + res.token());
    const absl::Time expires = absl::FromUnixSeconds(res.expires_at().seconds());
    CHECK(expires > absl::Now() + absl::Minutes(4));
    CHECK(expires <= absl::Now() + absl::Minutes(5) + absl::Seconds(1));
  }

  Call refused = PlaybackToken(f, viewer, id, &res);
  CHECK(refused.status.error_code() == grpc::PERMISSION_DENIED);
  CHECK(refused.reason == "ACCESS_PASS_REQUIRED");
  CHECK(PlaybackToken(f, "", id, &res).status.error_code() == grpc::UNAUTHENTICATED);
  CHECK(PlaybackToken(f, viewer, ids::NewId("str"), &res).status.error_code() == grpc::NOT_FOUND);

  const std::string order = ids::NewId("ord");
  f.DeliverPass(true, order, id, viewer_id);
  REQUIRE(PlaybackToken(f, viewer, id, &res).status.ok());
  CHECK(!res.token().empty());
  CHECK(PlaybackToken(f, stranger, id, &res).reason == "ACCESS_PASS_REQUIRED");

  f.DeliverPass(false, order, id, viewer_id);
  CHECK(PlaybackToken(f, viewer, id, &res).reason == "ACCESS_PASS_REQUIRED");
  CHECK(PlaybackToken(f, host, id, &res).status.ok());
}

TEST_CASE("GetPlaybackToken on an ungated stream needs no token", "[gated]") {
  StreamsFixture f;
  const std::string host = f.TokenFor(Role::kHost);
  const std::string id = f.Create(host, "open show", "k").stream().id();
  vpb::GetPlaybackTokenResponse res;
  REQUIRE(PlaybackToken(f, f.TokenFor(Role::kViewer), id, &res).status.ok());
  CHECK(!res.gated());
  CHECK(res.token().empty());
  CHECK(!res.has_expires_at());
  CHECK(res.playback_url() == std::string(kPlaybackBase) + "/live/" + id + "/index.m3u8");
}

}  // namespace
}  // namespace shopcast::video_ingest::streams::testing
