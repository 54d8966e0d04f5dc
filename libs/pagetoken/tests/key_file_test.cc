#include <catch2/catch.hpp>
#include <fstream>

#include "shopcast/pagetoken/codec.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

using shopcast::pagetoken::Cursor;
using shopcast::pagetoken::LoadKeyFile;

TEST_CASE("a key file is read less its trailing newline — every replica reading it agrees") {
  shopcast::testing::TempDir dir;
  const std::string key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  std::ofstream(dir.File("a.key")) << key << "\n";
  std::ofstream(dir.File("b.key")) << key;
  auto a = LoadKeyFile(dir.File("a.key"));
  auto b = LoadKeyFile(dir.File("b.key"));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(b->Decode("l", a->Encode("l", Cursor{7, "id"})).ok());
}

TEST_CASE("a missing or short key file is refused without showing the key") {
  shopcast::testing::TempDir dir;
  CHECK(shopcast::ReasonOf(LoadKeyFile(dir.File("absent.key")).status()) == "KEY_FILE_UNREADABLE");
  std::ofstream(dir.File("short.key")) << "tooshort-secret\n";
  auto s = LoadKeyFile(dir.File("short.key"));
  CHECK(shopcast::ReasonOf(s.status()) == "PAGE_TOKEN_KEY_INVALID");
  CHECK(std::string(s.status().message()).find("tooshort-secret") == std::string::npos);
}
