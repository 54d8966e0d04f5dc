#include "shopcast/http_files/file_body.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/beast/http/message.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "shopcast/http_files/testing/raw_client.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::http_files {
namespace {

namespace http = boost::beast::http;

// A file of `size` bytes whose content identifies every position (a misplaced block shows).
std::string Pattern(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 131 + i / 251) & 0xff);
  return s;
}

struct Written {
  std::string bytes;
  std::vector<size_t> blocks;
  boost::beast::error_code ec;
};

// Drains a writer the way beast's serializer does.
Written Drain(http::response<FileBody>& res) {
  Written out;
  FileBody::writer w(res.base(), res.body());
  w.init(out.ec);
  REQUIRE_FALSE(out.ec);
  for (;;) {
    auto next = w.get(out.ec);
    if (out.ec || !next) break;
    out.blocks.push_back(next->first.size());
    out.bytes.append(static_cast<const char*>(next->first.data()), next->first.size());
    if (!next->second) break;
  }
  return out;
}

http::response<FileBody> Open(const std::string& path, uint64_t offset = 0, uint64_t length = 0) {
  RangedFile file;
  file.Adopt(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  boost::beast::error_code ec;
  if (length != 0) file.Restrict(offset, length, ec);
  REQUIRE_FALSE(ec);
  http::response<FileBody> res{http::status::ok, 11};
  res.body().reset(std::move(file), ec);
  REQUIRE_FALSE(ec);
  return res;
}

TEST_CASE("A file body is sent whole in blocks of at most 64 KiB", "[http_files]") {
  shopcast::testing::TempDir dir;
  const std::string path = dir.File("segment");
  const std::string content = Pattern(300 * 1024 + 17);
  testing::WriteFile(path, content);

  auto res = Open(path);
  CHECK(FileBody::size(res.body()) == content.size());
  const Written w = Drain(res);
  CHECK_FALSE(w.ec);
  CHECK(w.bytes == content);
  REQUIRE(w.blocks.size() == 5);  // 4 × 64 KiB + the rest.
  for (size_t n : w.blocks) CHECK(n <= FileBody::kBlockBytes);
}

TEST_CASE("A file body sends only its range, and a small file in one block", "[http_files]") {
  shopcast::testing::TempDir dir;
  const std::string path = dir.File("part");
  const std::string content = Pattern(200 * 1024);
  testing::WriteFile(path, content);

  auto ranged = Open(path, 70'000, 100'000);
  const Written w = Drain(ranged);
  CHECK_FALSE(w.ec);
  CHECK(w.bytes == content.substr(70'000, 100'000));

  const std::string small_path = dir.File("playlist");
  testing::WriteFile(small_path, "#EXTM3U\n");
  auto small = Open(small_path);
  const Written s = Drain(small);
  CHECK(s.bytes == "#EXTM3U\n");
  CHECK(s.blocks == std::vector<size_t>{8});
}

TEST_CASE("A file that shrank under its reply ends it with an error, never short", "[http_files]") {
  shopcast::testing::TempDir dir;
  const std::string path = dir.File("shrinks");
  testing::WriteFile(path, Pattern(100 * 1024));
  auto res = Open(path);  // Length taken now: 100 KiB.
  REQUIRE(::truncate(path.c_str(), 10 * 1024) == 0);
  const Written w = Drain(res);
  CHECK(w.ec == http::error::short_read);
  CHECK(w.bytes.size() == 10 * 1024);
}

}  // namespace
}  // namespace shopcast::http_files
