#include "rtmp/amf0.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Encode(const Amf0Value& v) {
  Bytes out;
  EncodeAmf0(v, out);
  return out;
}

Amf0Value Str(std::string s) { return Amf0Value{std::move(s)}; }
Amf0Value Num(double d) { return Amf0Value{d}; }

// A connect command as an encoder sends it.
std::vector<Amf0Value> ConnectCommand() {
  Amf0Object info;
  info.properties = {{"app", Str("live")},
                     {"type", Str("nonprivate")},
                     {"flashVer", Str("FMLE/3.0 (compatible; FMSc/1.0)")},
                     {"tcUrl", Str("rtmp://localhost:1935/live")}};
  return {Str("connect"), Num(1), Amf0Value{std::move(info)}};
}

std::string ReasonOfDecode(const Bytes& bytes, const Amf0Limits& limits = {}) {
  auto decoded = DecodeAmf0(bytes, limits);
  return decoded.ok() ? "OK" : ReasonOf(decoded.status());
}

Amf0Value Nested(size_t depth) {
  Amf0Value v = Num(1);
  for (size_t i = 0; i < depth; ++i) {
    Amf0Object o;
    o.properties.emplace_back("x", std::move(v));
    v = Amf0Value{std::move(o)};
  }
  return v;
}

}  // namespace

TEST_CASE("AMF0 encodes scalars byte for byte as the spec lays them out") {
  CHECK(Encode(Num(1.0)) == Bytes{0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0});
  CHECK(Encode(Amf0Value{true}) == Bytes{0x01, 0x01});
  CHECK(Encode(Str("ab")) == Bytes{0x02, 0x00, 0x02, 'a', 'b'});
  CHECK(Encode(Amf0Value{Amf0Null{}}) == Bytes{0x05});
  CHECK(Encode(Amf0Value{Amf0Undefined{}}) == Bytes{0x06});
  Amf0Object o;
  o.properties.emplace_back("a", Amf0Value{Amf0Null{}});
  CHECK(Encode(Amf0Value{o}) == Bytes{0x03, 0x00, 0x01, 'a', 0x05, 0x00, 0x00, 0x09});
  Amf0EcmaArray e;
  e.properties.emplace_back("w", Num(0));
  CHECK(Encode(Amf0Value{e}) ==
        Bytes{0x08, 0, 0, 0, 1, 0x00, 0x01, 'w', 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x09});
  Amf0StrictArray s;
  s.elements = {Amf0Value{false}};
  CHECK(Encode(Amf0Value{s}) == Bytes{0x0A, 0, 0, 0, 1, 0x01, 0x00});
  CHECK(Encode(Amf0Value{Amf0Date{0, -60}}) == Bytes{0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xC4});
}

TEST_CASE("AMF0 values of every supported type survive a round trip") {
  Amf0EcmaArray meta;
  meta.properties = {{"width", Num(1280)},
                     {"height", Num(720)},
                     {"encoder", Str("obs")},
                     {"stereo", Amf0Value{true}}};
  Amf0StrictArray list;
  list.elements = {Num(-0.5), Str(""), Amf0Value{Amf0Undefined{}}, Amf0Value{meta}};
  std::vector<Amf0Value> values = ConnectCommand();
  values.push_back(Amf0Value{meta});
  values.push_back(Amf0Value{list});
  values.push_back(Amf0Value{Amf0Date{1.7e12, 120}});
  values.push_back(Num(std::numeric_limits<double>::infinity()));
  values.push_back(Nested(16));
  values.push_back(Amf0Value{Amf0Null{}});

  Bytes bytes;
  for (const Amf0Value& v : values) EncodeAmf0(v, bytes);
  auto decoded = DecodeAmf0(bytes);
  REQUIRE(decoded.ok());
  CHECK(*decoded == values);
}

TEST_CASE("AMF0 strings over 65535 bytes travel as long strings") {
  std::string big(70000, 'k');
  Bytes bytes = Encode(Str(big));
  CHECK(bytes[0] == 0x0C);
  CHECK(bytes.size() == 1 + 4 + big.size());
  auto decoded = DecodeAmf0(bytes, Amf0Limits{.max_string_bytes = 100000});
  REQUIRE(decoded.ok());
  REQUIRE(decoded->size() == 1);
  CHECK(*(*decoded)[0].string() == big);
  // With the default 64 KiB cap the same string is refused.
  CHECK(ReasonOfDecode(bytes) == "AMF0_MALFORMED");
}

TEST_CASE("AMF0 accessors find command fields and report other types as absent") {
  Bytes bytes;
  for (const Amf0Value& v : ConnectCommand()) EncodeAmf0(v, bytes);
  auto decoded = DecodeAmf0(bytes);
  REQUIRE(decoded.ok());
  REQUIRE(decoded->size() == 3);
  CHECK(*(*decoded)[0].string() == "connect");
  CHECK(*(*decoded)[1].number() == 1);
  const Amf0Value* app = (*decoded)[2].property("app");
  REQUIRE(app != nullptr);
  CHECK(*app->string() == "live");
  CHECK((*decoded)[2].property("missing") == nullptr);
  CHECK((*decoded)[0].property("app") == nullptr);
  CHECK((*decoded)[0].number() == nullptr);
  CHECK((*decoded)[1].string() == nullptr);
}

TEST_CASE("AMF0 ECMA arrays end at the object end marker whatever count they declare") {
  // Encoders write wrong counts; the terminator is what counts.
  Bytes bytes = {0x08, 0,    0,    0,   0,    0x00, 0x01, 'a', 0x01,
                 0x01, 0x00, 0x01, 'b', 0x05, 0x00, 0x00, 0x09};
  auto decoded = DecodeAmf0(bytes);
  REQUIRE(decoded.ok());
  REQUIRE(decoded->size() == 1);
  CHECK((*decoded)[0].property("a") != nullptr);
  CHECK((*decoded)[0].property("b") != nullptr);
}

TEST_CASE("AMF0 decoding refuses every truncation of a command") {
  Bytes bytes;
  for (const Amf0Value& v : ConnectCommand()) EncodeAmf0(v, bytes);
  Bytes object_only;
  EncodeAmf0(ConnectCommand()[2], object_only);
  for (size_t n = 1; n < object_only.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    CHECK(ReasonOfDecode(Bytes(object_only.begin(), object_only.begin() + n)) == "AMF0_MALFORMED");
  }
  CHECK(ReasonOfDecode(bytes) == "OK");
  CHECK(ReasonOfDecode({}) == "OK");  // No values at all is a valid (empty) sequence.
}

TEST_CASE("AMF0 decoding stops a nesting bomb at the depth limit") {
  CHECK(ReasonOfDecode(Encode(Nested(16))) == "OK");
  CHECK(ReasonOfDecode(Encode(Nested(17))) == "AMF0_MALFORMED");
  // Strict arrays nest too: 100 levels of [[[...]]] declared in 500 bytes.
  Bytes bomb;
  for (int i = 0; i < 100; ++i) bomb.insert(bomb.end(), {0x0A, 0, 0, 0, 1});
  bomb.push_back(0x05);
  CHECK(ReasonOfDecode(bomb) == "AMF0_MALFORMED");
  // Deep bombs that are merely announced (truncated) are refused as well.
  Bytes open_objects(100000, 0x03);
  CHECK(ReasonOfDecode(open_objects) == "AMF0_MALFORMED");
}

TEST_CASE("AMF0 decoding refuses huge declared lengths without allocating them") {
  CHECK(ReasonOfDecode({0x0C, 0xFF, 0xFF, 0xFF, 0xFF, 'x'}) == "AMF0_MALFORMED");
  CHECK(ReasonOfDecode({0x02, 0xFF, 0xFF, 'x'}) == "AMF0_MALFORMED");
  CHECK(ReasonOfDecode({0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x05}) == "AMF0_MALFORMED");
  // A long string of a legal length that the input does not hold.
  CHECK(ReasonOfDecode({0x0C, 0x00, 0x00, 0x10, 0x00, 'x'}) == "AMF0_MALFORMED");
}

TEST_CASE("AMF0 decoding refuses unsupported markers and a stray object end") {
  CHECK(ReasonOfDecode({0x07, 0x00, 0x01}) == "AMF0_MALFORMED");  // Reference.
  CHECK(ReasonOfDecode({0x04}) == "AMF0_MALFORMED");              // Movieclip.
  CHECK(ReasonOfDecode({0x10, 0x00, 0x00}) == "AMF0_MALFORMED");  // Typed object.
  CHECK(ReasonOfDecode({0x11, 0x01}) == "AMF0_MALFORMED");        // AMF3 switch.
  CHECK(ReasonOfDecode({0x09}) == "AMF0_MALFORMED");
  CHECK(ReasonOfDecode({0xFF}) == "AMF0_MALFORMED");
  CHECK(ReasonOfDecode({0x05, 0x05, 0x42}) == "AMF0_MALFORMED");  // Good values, then junk.
}

TEST_CASE("AMF0 decoding caps the number of elements") {
  Amf0StrictArray many;
  many.elements.assign(100, Amf0Value{Amf0Null{}});
  Bytes bytes = Encode(Amf0Value{many});
  CHECK(ReasonOfDecode(bytes, Amf0Limits{.max_elements = 101}) == "OK");
  CHECK(ReasonOfDecode(bytes, Amf0Limits{.max_elements = 100}) == "AMF0_MALFORMED");
  Bytes nulls(5000, 0x05);
  CHECK(ReasonOfDecode(nulls) == "AMF0_MALFORMED");
}

}  // namespace shopcast::video_ingest::rtmp
