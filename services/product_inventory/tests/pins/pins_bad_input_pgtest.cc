// The pins bad-input table: every refused call answers its status code and reason, and leaves
// the pins, the outbox and the list exactly as they were.

#include <catch2/catch.hpp>

#include "pins_client.h"
#include "shopcast/ids/ids.h"

namespace shopcast::product_inventory::testing {
namespace {

using Code = grpc::StatusCode;

struct Snapshot {
  int64_t pins = 0;
  int64_t outbox = 0;
  Ids listed;
  bool operator==(const Snapshot& o) const {
    return pins == o.pins && outbox == o.outbox && listed == o.listed;
  }
};

TEST_CASE("pins: bad input is refused with its reason and changes nothing") {
  AppFixture f;
  Pins p(f, f.AddReplica());
  const std::string a = p.Product("a"), b = p.Product("b"), c = p.Product("c"),
                    spare = p.Product("spare");
  const std::string draft = p.Product("draft", "", pb::PRODUCT_STATUS_DRAFT);
  const std::string archived = p.Product("archived");
  {
    pb::ArchiveProductRequest archive;
    archive.set_product_id(archived);
    REQUIRE(p.c()
                .Call(&pb::ProductInventoryService::Stub::ArchiveProduct, p.c().host(), archive)
                .status.ok());
  }
  const std::string elsewhere_stream = f.AddStream("usr_host");
  const std::string elsewhere = p.Product("elsewhere", elsewhere_stream);
  const std::string unattached = p.Product("unattached", "none");
  // A stream that ended after a product was dropped in it.
  const std::string ended_stream = f.AddStream("usr_host");
  const std::string ended_product = p.Product("ended", ended_stream);
  p.EndStream(ended_stream, "evt_end");
  const std::string other_hosts_stream = f.AddStream("usr_other");
  const std::string unknown_stream = ids::NewId("str");
  const std::string unknown_product = ids::NewId("prd");

  // Full to the limit, so PIN_LIMIT_REACHED has something to refuse; the others would fail
  // first anyway.
  REQUIRE(p.Pin(a, 0).status.ok());
  REQUIRE(p.Pin(b, 1).status.ok());

  const std::string& host = p.c().host();
  const std::string& st = p.stream();
  auto snapshot = [&] {
    Snapshot s;
    s.pins = f.Count("SELECT count(*) FROM pins");
    s.outbox = f.Count("SELECT count(*) FROM outbox");
    s.listed = p.Pinned();
    return s;
  };

  struct PinCase {
    const char* name;
    std::string token, stream, product;
    int position;
    Code code;
    const char* reason;
  };
  const std::vector<PinCase> pin_cases = {
      {"no token", "", st, c, 0, Code::UNAUTHENTICATED, "TOKEN_MISSING"},
      {"a viewer", p.c().viewer(), st, c, 0, Code::PERMISSION_DENIED, "ROLE_REQUIRED"},
      {"another host", p.c().other_host(), st, c, 0, Code::PERMISSION_DENIED, "NOT_STREAM_OWNER"},
      {"the other host's stream", host, other_hosts_stream, c, 0, Code::PERMISSION_DENIED,
       "NOT_STREAM_OWNER"},
      {"no stream id", host, "", c, 0, Code::INVALID_ARGUMENT, "ID_REQUIRED"},
      {"malformed stream id", host, "str_nope", c, 0, Code::INVALID_ARGUMENT, "ID_INVALID"},
      {"a product id as stream id", host, c, c, 0, Code::INVALID_ARGUMENT, "ID_INVALID"},
      {"no product id", host, st, "", 0, Code::INVALID_ARGUMENT, "ID_REQUIRED"},
      {"malformed product id", host, st, "prd_' OR 1=1 --", 0, Code::INVALID_ARGUMENT,
       "ID_INVALID"},
      {"negative position", host, st, c, -1, Code::INVALID_ARGUMENT, "POSITION_OUT_OF_RANGE"},
      {"position past the limit", host, st, c, 3, Code::INVALID_ARGUMENT, "POSITION_OUT_OF_RANGE"},
      {"huge position", host, st, c, 2147483647, Code::INVALID_ARGUMENT, "POSITION_OUT_OF_RANGE"},
      {"unknown stream", host, unknown_stream, c, 0, Code::NOT_FOUND, "STREAM_NOT_FOUND"},
      {"unknown product", host, st, unknown_product, 0, Code::NOT_FOUND, "PRODUCT_NOT_FOUND"},
      {"a product of another stream", host, st, elsewhere, 0, Code::FAILED_PRECONDITION,
       "PRODUCT_NOT_IN_STREAM"},
      {"a product in no stream", host, st, unattached, 0, Code::FAILED_PRECONDITION,
       "PRODUCT_NOT_IN_STREAM"},
      {"an archived product", host, st, archived, 0, Code::FAILED_PRECONDITION, "PRODUCT_ARCHIVED"},
      {"a draft", host, st, draft, 0, Code::FAILED_PRECONDITION, "PRODUCT_NOT_LISTED"},
      {"an ended stream", host, ended_stream, ended_product, 0, Code::FAILED_PRECONDITION,
       "STREAM_ENDED"},
  };
  // Fill the last slot, then one more is over the limit.
  REQUIRE(p.Pin(c, 2).status.ok());
  const Snapshot before = snapshot();
  REQUIRE(before.listed == Ids{a, b, c});
  for (const PinCase& t : pin_cases) {
    INFO("PinProduct: " << t.name);
    // The position cases name c (already pinned) so only the position is wrong.
    auto r = p.Pin(t.token, t.stream, t.product, t.position);
    CHECK(r.status.error_code() == t.code);
    CHECK(ReasonOf(r.status) == t.reason);
    CHECK(snapshot() == before);
  }
  {
    INFO("PinProduct: over the limit");
    auto r = p.Pin(spare, 0);
    CHECK(r.status.error_code() == Code::FAILED_PRECONDITION);
    CHECK(ReasonOf(r.status) == "PIN_LIMIT_REACHED");
    CHECK(snapshot() == before);
  }

  struct UnpinCase {
    const char* name;
    std::string token, stream, product;
    Code code;
    const char* reason;
  };
  const std::vector<UnpinCase> unpin_cases = {
      {"no token", "", st, a, Code::UNAUTHENTICATED, "TOKEN_MISSING"},
      {"a viewer", p.c().viewer(), st, a, Code::PERMISSION_DENIED, "ROLE_REQUIRED"},
      {"another host", p.c().other_host(), st, a, Code::PERMISSION_DENIED, "NOT_STREAM_OWNER"},
      {"no stream id", host, "", a, Code::INVALID_ARGUMENT, "ID_REQUIRED"},
      {"malformed stream id", host, "stream-1", a, Code::INVALID_ARGUMENT, "ID_INVALID"},
      {"malformed product id", host, st, "prd_x", Code::INVALID_ARGUMENT, "ID_INVALID"},
      {"unknown stream", host, unknown_stream, a, Code::NOT_FOUND, "STREAM_NOT_FOUND"},
      {"unknown product", host, st, unknown_product, Code::NOT_FOUND, "PRODUCT_NOT_FOUND"},
  };
  for (const UnpinCase& t : unpin_cases) {
    INFO("UnpinProduct: " << t.name);
    auto r = p.Unpin(t.token, t.stream, t.product);
    CHECK(r.status.error_code() == t.code);
    CHECK(ReasonOf(r.status) == t.reason);
    CHECK(snapshot() == before);
  }

  // The public list: bad and unknown ids.
  CHECK(ReasonOf(p.List("").status) == "ID_REQUIRED");
  CHECK(p.List("nope").status.error_code() == Code::INVALID_ARGUMENT);
  CHECK(p.List(unknown_stream).status.error_code() == Code::NOT_FOUND);
  CHECK(ReasonOf(p.List(unknown_stream).status) == "STREAM_NOT_FOUND");
  CHECK(snapshot() == before);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
