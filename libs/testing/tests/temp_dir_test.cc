#include "shopcast/testing/temp_dir.h"

#include <catch2/catch.hpp>
#include <fstream>

TEST_CASE("TempDir is a fresh folder of its own, removed with its contents") {
  std::filesystem::path kept;
  {
    shopcast::testing::TempDir a;
    shopcast::testing::TempDir b;
    CHECK(a.path() != b.path());
    CHECK(std::filesystem::is_empty(a.path()));
    std::filesystem::create_directories(a.path() / "sub");
    std::ofstream(a.File("sub/x.ts")) << "data";
    CHECK(a.File("sub/x.ts") == (a.path() / "sub" / "x.ts").string());
    CHECK(std::filesystem::exists(a.path() / "sub" / "x.ts"));
    kept = a.path();
  }
  CHECK_FALSE(std::filesystem::exists(kept));
}
