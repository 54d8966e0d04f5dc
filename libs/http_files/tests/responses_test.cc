#include "shopcast/http_files/responses.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "shopcast/http_files/testing/raw_client.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::http_files {
namespace {

namespace http = boost::beast::http;

void NoHeaders(http::fields&) {}

Request Get(const std::string& target, http::verb method = http::verb::get) {
  Request r{method, target, 11};
  r.set(http::field::host, "x");
  return r;
}

TEST_CASE("If-None-Match matches weakly, in lists, and *", "[http_files]") {
  CHECK(NoneMatchHits("\"a\"", "\"a\""));
  CHECK(NoneMatchHits("W/\"a\"", "\"a\""));
  CHECK(NoneMatchHits("\"b\" , \"a\"", "\"a\""));
  CHECK(NoneMatchHits("*", "\"a\""));
  CHECK_FALSE(NoneMatchHits("\"b\"", "\"a\""));
  CHECK_FALSE(NoneMatchHits("", "\"a\""));
  CHECK_FALSE(NoneMatchHits(",,", "\"a\""));
}

TEST_CASE("Text replies are never cached and HEAD has no body", "[http_files]") {
  const Reply get =
      TextReply(http::status::not_found, Get("/x"), "not found\n", "other", NoHeaders);
  CHECK(get.status == 404);
  const auto& res = std::get<http::response<http::string_body>>(get.message);
  CHECK(res[http::field::cache_control] == "no-store");
  CHECK(res.body() == "not found\n");

  const Reply head = TextReply(http::status::method_not_allowed, Get("/x", http::verb::head),
                               "no\n", "other", NoHeaders, "GET, HEAD");
  const auto& hres = std::get<http::response<http::empty_body>>(head.message);
  CHECK(hres[http::field::allow] == "GET, HEAD");
  CHECK(hres[http::field::content_length] == "3");

  const Reply reject = RejectReply(http::status::bad_request, 11, NoHeaders);
  CHECK(reject.status == 400);
  CHECK_FALSE(reject.keep_alive);
}

struct Files {
  Files() {
    root = dir.File("root");
    testing::WriteFile(root + "/a/file.txt", "0123456789");
    testing::WriteFile(dir.File("outside.txt"), "SECRET");
    std::filesystem::create_symlink(dir.File("outside.txt"), root + "/a/link.txt");
    std::filesystem::create_directory_symlink(dir.path(), root + "/up");
    ::mkfifo((root + "/a/fifo").c_str(), 0600);
  }
  shopcast::testing::TempDir dir;
  std::string root;
};

TEST_CASE("OpenUnderRoot opens regular files only, never through a symlink", "[http_files]") {
  Files f;
  auto file = OpenUnderRoot(f.root, {"a", "file.txt"});
  REQUIRE(file.ok());
  CHECK(file->size == 10);
  ::close(file->fd);
  for (auto components :
       {std::initializer_list<std::string_view>{"a", "link.txt"},
        std::initializer_list<std::string_view>{"up", "outside.txt"},
        std::initializer_list<std::string_view>{"a", "fifo"},
        std::initializer_list<std::string_view>{"a", "missing"},
        std::initializer_list<std::string_view>{"a"}, std::initializer_list<std::string_view>{}}) {
    CHECK(absl::IsNotFound(OpenUnderRoot(f.root, components).status()));
  }
  CHECK(absl::IsUnavailable(OpenUnderRoot(f.dir.File("nope"), {"a", "file.txt"}).status()));
}

TEST_CASE("ServeFile answers 200, 304, 206, 416 and HEAD", "[http_files]") {
  Files f;
  const FileMeta meta{"text/plain", "public, max-age=60", "\"v1\"", "", "thing"};
  auto open = [&] {
    auto file = OpenUnderRoot(f.root, {"a", "file.txt"});
    REQUIRE(file.ok());
    return *file;
  };
  auto extra = [](http::fields& h) { h.set("X-Extra", "1"); };

  const Reply whole = ServeFile(Get("/f"), open(), meta, extra);
  CHECK(whole.status == 200);
  CHECK(whole.kind == "thing");
  const auto& res = std::get<http::response<FileBody>>(whole.message);
  CHECK(res[http::field::etag] == "\"v1\"");
  CHECK(res[http::field::cache_control] == "public, max-age=60");
  CHECK(res["X-Extra"] == "1");
  CHECK(res[http::field::content_length] == "10");

  Request conditional = Get("/f");
  conditional.set(http::field::if_none_match, "W/\"v1\"");
  CHECK(ServeFile(conditional, open(), meta, extra).status == 304);

  Request ranged = Get("/f");
  ranged.set(http::field::range, "bytes=2-4");
  const Reply partial = ServeFile(ranged, open(), meta, extra);
  CHECK(partial.status == 206);
  CHECK(std::get<http::response<FileBody>>(partial.message)[http::field::content_range] ==
        "bytes 2-4/10");
  ranged.set(http::field::if_range, "\"old\"");
  CHECK(ServeFile(ranged, open(), meta, extra).status == 200);

  Request beyond = Get("/f");
  beyond.set(http::field::range, "bytes=20-");
  CHECK(ServeFile(beyond, open(), meta, extra).status == 416);

  const Reply head = ServeFile(Get("/f", http::verb::head), open(), meta, extra);
  CHECK(head.status == 200);
  CHECK(std::get<http::response<http::empty_body>>(head.message)[http::field::content_length] ==
        "10");
}

TEST_CASE("ServeBytes answers from memory as ServeFile does for the same bytes", "[http_files]") {
  Files f;
  const FileMeta meta{"text/plain", "public, max-age=60", "\"v1\"", "Sun, 06 Nov 1994 08:49:37 GMT",
                      "thing"};
  auto open = [&] {
    auto file = OpenUnderRoot(f.root, {"a", "file.txt"});
    REQUIRE(file.ok());
    return *file;
  };
  auto extra = [](http::fields& h) { h.set("X-Extra", "1"); };
  const std::string bytes = "0123456789";  // a/file.txt
  // Every header but Date is the file's.
  auto same_headers = [](const auto& a, const auto& b) {
    for (const auto& field : a) {
      if (field.name() == http::field::date) continue;
      INFO(std::string(field.name_string()));
      CHECK(b[field.name_string()] == field.value());
    }
    CHECK(std::distance(a.begin(), a.end()) == std::distance(b.begin(), b.end()));
  };

  const Reply whole = ServeBytes(Get("/f"), bytes, meta, extra);
  const Reply file = ServeFile(Get("/f"), open(), meta, extra);
  CHECK(whole.status == 200);
  CHECK(whole.kind == "thing");
  const auto& res = std::get<http::response<http::string_body>>(whole.message);
  CHECK(res.body() == bytes);
  same_headers(res, std::get<http::response<FileBody>>(file.message));

  Request conditional = Get("/f");
  conditional.set(http::field::if_none_match, "W/\"v1\"");
  CHECK(ServeBytes(conditional, bytes, meta, extra).status == 304);

  Request ranged = Get("/f");
  ranged.set(http::field::range, "bytes=2-4");
  const Reply partial = ServeBytes(ranged, bytes, meta, extra);
  CHECK(partial.status == 206);
  const auto& pres = std::get<http::response<http::string_body>>(partial.message);
  CHECK(pres.body() == "234");
  same_headers(pres,
               std::get<http::response<FileBody>>(ServeFile(ranged, open(), meta, extra).message));
  ranged.set(http::field::if_range, "\"old\"");
  CHECK(ServeBytes(ranged, bytes, meta, extra).status == 200);

  Request beyond = Get("/f");
  beyond.set(http::field::range, "bytes=20-");
  CHECK(ServeBytes(beyond, bytes, meta, extra).status == 416);

  const Reply head = ServeBytes(Get("/f", http::verb::head), bytes, meta, extra);
  CHECK(head.status == 200);
  CHECK(std::get<http::response<http::empty_body>>(head.message)[http::field::content_length] ==
        "10");
}

}  // namespace
}  // namespace shopcast::http_files
