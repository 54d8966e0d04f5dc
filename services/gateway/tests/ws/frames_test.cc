// The frame codec alone: subprotocol choice, the upgrade target, client frames in both
// encodings and what is refused, error frames.

#include "ws/frames.h"

#include <catch2/catch.hpp>

#include "shopcast/status/status.h"

namespace shopcast::gateway::ws {
namespace {

constexpr char kStream[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7NC";

TEST_CASE("the subprotocol is the first one offered that the gateway speaks", "[ws]") {
  CHECK(ChooseSubprotocol("")->protocol == Subprotocol::kJson);
  CHECK_FALSE(ChooseSubprotocol("")->echo);
  CHECK(ChooseSubprotocol("shopcast.v1.proto, shopcast.v1.json")->protocol == Subprotocol::kProto);
  CHECK(ChooseSubprotocol("chat, shopcast.v1.json")->protocol == Subprotocol::kJson);
  CHECK(ChooseSubprotocol("shopcast.v1.json")->echo);
  CHECK_FALSE(ChooseSubprotocol("chat, superchat").has_value());
}

TEST_CASE("upgrade targets: /ws/v1 and /ws/streams/<id> with a resume point", "[ws]") {
  auto v1 = ParseWsTarget("/ws/v1");
  REQUIRE(v1.ok());
  CHECK_FALSE(v1->stream_id.has_value());
  auto s =
      ParseWsTarget(std::string("/ws/streams/") + kStream + "?after_sequence=42&skip_presence=1");
  REQUIRE(s.ok());
  CHECK(*s->stream_id == kStream);
  CHECK(s->after_sequence == 42);
  CHECK(s->skip_presence);
  CHECK(ParseWsTarget("/ws/v2").status().code() == absl::StatusCode::kNotFound);
  CHECK(ReasonOf(ParseWsTarget("/ws/streams/prd_01J9Z3K8W4V6T2M0QXYHB5R7NC").status()) ==
        "STREAM_ID_INVALID");
  CHECK(ReasonOf(
            ParseWsTarget(std::string("/ws/streams/") + kStream + "?after_sequence=-1").status()) ==
        "SEQUENCE_INVALID");
  CHECK(ReasonOf(
            ParseWsTarget(std::string("/ws/streams/") + kStream + "?after_sequence=x").status()) ==
        "SEQUENCE_INVALID");
}

TEST_CASE("client frames read in either encoding, malformed ones are refused with a reason",
          "[ws]") {
  auto json = ReadClientFrame(Subprotocol::kJson, false,
                              std::string(R"({"frameId":"f1","subscribeRoom":{"streamId":")") +
                                  kStream + R"(","afterSequence":"12"}})");
  REQUIRE(json.ok());
  CHECK(json->subscribe_room().after_sequence() == 12);

  v1::ClientFrame frame;
  frame.set_frame_id("f2");
  frame.mutable_like()->set_stream_id(kStream);
  auto binary = ReadClientFrame(Subprotocol::kProto, true, frame.SerializeAsString());
  REQUIRE(binary.ok());
  CHECK(binary->like().stream_id() == kStream);

  auto reason = [](Subprotocol p, bool b, absl::string_view bytes) {
    return ReasonOf(ReadClientFrame(p, b, bytes).status());
  };
  CHECK(reason(Subprotocol::kJson, false, "{nope") == "FRAME_MALFORMED");
  CHECK(reason(Subprotocol::kJson, false, R"({"frameId":"x","heartbeat":{},"extra":1})") ==
        "FRAME_MALFORMED");
  CHECK(reason(Subprotocol::kJson, true, "{}") == "FRAME_TYPE_MISMATCH");
  CHECK(reason(Subprotocol::kProto, false, "") == "FRAME_TYPE_MISMATCH");
  CHECK(reason(Subprotocol::kProto, true, "\xff\xff\xff") == "FRAME_MALFORMED");
  CHECK(reason(Subprotocol::kJson, false, R"({"frameId":"x"})") == "FRAME_BODY_MISSING");
  CHECK(reason(Subprotocol::kJson, false, R"({"like":{}})") == "FRAME_ID_INVALID");
  CHECK(reason(Subprotocol::kJson, false, R"({"frameId":"a b","like":{}})") == "FRAME_ID_INVALID");
  CHECK(reason(Subprotocol::kJson, false,
               R"({"frameId":")" + std::string(65, 'a') + R"(","like":{}})") == "FRAME_ID_INVALID");
  // Heartbeats may go without an id.
  CHECK(ReadClientFrame(Subprotocol::kJson, false, R"({"heartbeat":{}})").ok());
}

TEST_CASE("error frames carry the code name, the reason and the facts, internal detail never",
          "[ws]") {
  absl::Status s = Error(absl::StatusCode::kResourceExhausted, "RATE_LIMITED", "slow down");
  s.SetPayload("type.shopcast.dev/retry_after_ms", absl::Cord("1500"));
  v1::ServerFrame f = ErrorFrameOf(s, "c1", true);
  CHECK(f.error().frame_id() == "c1");
  CHECK(f.error().code() == "RESOURCE_EXHAUSTED");
  CHECK(f.error().error_info().reason() == "RATE_LIMITED");
  CHECK(f.error().error_info().metadata().at("retry_after_ms") == "1500");
  CHECK(f.error().fatal());
  CHECK(ErrorFrameOf(absl::InternalError("db password is hunter2"), "").error().message() ==
        "internal error");

  const absl::Status down =
      FromUpstream(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connect failed"), "");
  CHECK(down.code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(down) == "UPSTREAM_UNAVAILABLE");
  CHECK(ReasonOf(FromUpstream(grpc::Status(grpc::StatusCode::NOT_FOUND, "no"), "ROOM_NOT_FOUND")) ==
        "ROOM_NOT_FOUND");
}

TEST_CASE("a server frame is written once per subprotocol", "[ws]") {
  v1::ServerFrame f;
  f.mutable_room_event()->set_stream_id(kStream);
  f.mutable_room_event()->set_sequence(7);
  EncodedFrame e = EncodeBoth(f);
  CHECK(*e.json ==
        R"({"roomEvent":{"streamId":")" + std::string(kStream) + R"(","sequence":"7"}})");
  v1::ServerFrame back;
  REQUIRE(back.ParseFromString(*e.proto));
  CHECK(back.room_event().sequence() == 7);
}

}  // namespace
}  // namespace shopcast::gateway::ws
