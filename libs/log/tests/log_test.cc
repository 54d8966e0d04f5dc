#include "shopcast/log/log.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "nlohmann/json.hpp"

namespace {

// Captures log output for the lifetime of the object.
class Capture {
 public:
  Capture() { shopcast::log::CaptureForTesting(&text_); }
  ~Capture() {
    shopcast::log::CaptureForTesting(nullptr);
    shopcast::log::Configure(shopcast::log::Level::kInfo, "");
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

}  // namespace

TEST_CASE("a log line is one JSON object with the fields given") {
  Capture cap;
  shopcast::log::Configure(shopcast::log::Level::kInfo, "user");
  shopcast::log::Info("rpc").Kv("method", "Login").Kv("ms", 1.5).Kv("ok", true).Kv("n", 3);
  REQUIRE(cap.text().back() == '\n');
  auto j = nlohmann::json::parse(cap.text());
  CHECK(j["event"] == "rpc");
  CHECK(j["level"] == "info");
  CHECK(j["service"] == "user");
  CHECK(j["method"] == "Login");
  CHECK(j["n"] == 3);
  CHECK(j["ok"] == true);
  CHECK(j.contains("ts"));
}

TEST_CASE("lines below the minimum level are dropped") {
  Capture cap;
  shopcast::log::Configure(shopcast::log::Level::kWarn, "user");
  shopcast::log::Info("quiet");
  shopcast::log::Debug("quieter");
  CHECK(cap.text().empty());
  shopcast::log::Error("loud");
  CHECK(cap.text().find("loud") != std::string::npos);
}

TEST_CASE("hostile values cannot break the line format") {
  Capture cap;
  shopcast::log::Info("x").Kv("name", std::string("a\"b\nc\xff\xfe", 7));
  // Still exactly one line, still valid JSON.
  CHECK(std::count(cap.text().begin(), cap.text().end(), '\n') == 1);
  CHECK_NOTHROW(nlohmann::json::parse(cap.text()));
}

TEST_CASE("numbers, booleans and repeated keys render as JSON values") {
  Capture cap;
  shopcast::log::Info("x")
      .Kv("n", int64_t{-3})
      .Kv("u", uint64_t{18446744073709551615u})
      .Kv("d", 0.25)
      .Kv("nan", std::nan(""))
      .Kv("b", false)
      .Kv("k", "first")
      .Kv("k", "last")
      .Kv("tab", "a\tb\x01");
  auto j = nlohmann::json::parse(cap.text());
  CHECK(j["n"] == -3);
  CHECK(j["u"] == 18446744073709551615u);
  CHECK(j["d"] == 0.25);
  CHECK(j["nan"].is_null());
  CHECK(j["b"] == false);
  CHECK(j["k"] == "last");
  CHECK(j["tab"] == "a\tb\x01");
}

TEST_CASE("level names parse") {
  shopcast::log::Level l;
  CHECK(shopcast::log::ParseLevel("WARNING", &l));
  CHECK(l == shopcast::log::Level::kWarn);
  CHECK_FALSE(shopcast::log::ParseLevel("loud", &l));
}

TEST_CASE("a line longer than its inline storage keeps every field and value") {
  Capture cap;
  // Past the inline text (320 bytes) and the inline fields (10): the line spills to the heap.
  const std::string big(5000, 'v');
  {
    auto line = shopcast::log::Info("big");
    for (int i = 0; i < 30; ++i) line.Kv("k" + std::to_string(i), big + std::to_string(i));
    line.Kv("k3", "replaced");
  }  // written here
  auto j = nlohmann::json::parse(cap.text());
  CHECK(j["event"] == "big");
  CHECK(j["k0"] == big + "0");
  CHECK(j["k29"] == big + "29");
  CHECK(j["k3"] == "replaced");
  CHECK(j.size() == 3 + 30);  // ts, level, event and the 30 keys
}

TEST_CASE("a line too long to ever queue is dropped and counted, and the next one is written") {
  Capture cap;
  const uint64_t before = shopcast::log::DroppedLines();
  shopcast::log::Info("huge").Kv("v", std::string(9 << 20, 'x'));  // past the 8 MiB queue bound
  shopcast::log::Info("after").Kv("n", 1);
  CHECK(shopcast::log::DroppedLines() == before + 1);
  CHECK(cap.text().find("huge") == std::string::npos);
  CHECK(nlohmann::json::parse(cap.text())["event"] == "after");
}
