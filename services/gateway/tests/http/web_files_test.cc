// The web app's files: caching, fallback to index.html for client routes, strict paths,
// content types, the page shown before the app is built.

#include "web/web_files.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "catch2/catch.hpp"
#include "shopcast/http_files/testing/raw_client.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::gateway::web {
namespace {

namespace bhttp = boost::beast::http;
using http_files::testing::WriteFile;

HttpRequest Get(const std::string& target, const std::string& if_none_match = "",
                bhttp::verb method = bhttp::verb::get) {
  HttpRequest r{method, target, 11};
  r.set(bhttp::field::host, "gw.test");
  if (!if_none_match.empty()) r.set(bhttp::field::if_none_match, if_none_match);
  return r;
}

struct Dist {
  shopcast::testing::TempDir dir;
  Dist() {
    WriteFile(dir.File("index.html"), "<!doctype html><div id=root></div>");
    WriteFile(dir.File("assets/index-3f9a2b.js"), "console.log('app')");
    WriteFile(dir.File("assets/index-77aa01.css"), "body{}");
    WriteFile(dir.File("assets/logo.svg"), "<svg/>");
    WriteFile(dir.File("favicon.ico"), "ico");
    WriteFile(dir.File("manifest.webmanifest"), "{}");
    WriteFile(dir.File("fonts/inter.woff2"), "woff2");
    WriteFile(dir.File(".env"), "SECRET=1");  // Never served.
    WriteFile(dir.File(".git/config"), "[core]");
    std::filesystem::create_symlink("/etc/passwd", dir.File("passwd"));
  }
  std::shared_ptr<WebFiles> Load() {
    auto files = WebFiles::Load(WebFilesOptions{dir.path().string()});
    REQUIRE(files.ok());
    return *files;
  }
};

TEST_CASE("files are served with their type, a strong ETag and the right caching") {
  Dist dist;
  auto web = dist.Load();
  REQUIRE(web->built());
  CHECK(web->file_count() == 7);  // Not .env, .git/config or the link.
  CHECK(web->Answer(Get("/passwd")).body() == web->Answer(Get("/")).body());  // Not the link.

  HttpResponse index = web->Answer(Get("/"));
  CHECK(index.result() == bhttp::status::ok);
  CHECK(index.body() == "<!doctype html><div id=root></div>");
  CHECK(index[bhttp::field::content_type] == "text/html; charset=utf-8");
  CHECK(index[bhttp::field::cache_control] == "no-cache");
  const std::string etag(index[bhttp::field::etag]);
  CHECK(etag.size() == 34);
  CHECK(etag.front() == '"');

  HttpResponse js = web->Answer(Get("/assets/index-3f9a2b.js?v=1"));
  CHECK(js.result() == bhttp::status::ok);
  CHECK(js[bhttp::field::content_type] == "text/javascript; charset=utf-8");
  CHECK(js[bhttp::field::cache_control] == "public, max-age=31536000, immutable");
  CHECK(web->Answer(Get("/assets/index-77aa01.css"))[bhttp::field::content_type] ==
        "text/css; charset=utf-8");
  CHECK(web->Answer(Get("/assets/logo.svg"))[bhttp::field::content_type] == "image/svg+xml");
  CHECK(web->Answer(Get("/fonts/inter.woff2"))[bhttp::field::content_type] == "font/woff2");
  CHECK(web->Answer(Get("/manifest.webmanifest"))[bhttp::field::content_type] ==
        "application/manifest+json");
  CHECK(web->Answer(Get("/favicon.ico"))[bhttp::field::cache_control] == "no-cache");
  CHECK(ContentTypeFor("x.unknown") == "application/octet-stream");
  CHECK(ContentTypeFor("A.JS") == "text/javascript; charset=utf-8");
}

TEST_CASE("If-None-Match with the current tag answers 304 without a body") {
  Dist dist;
  auto web = dist.Load();
  const std::string etag(web->Answer(Get("/assets/index-3f9a2b.js"))[bhttp::field::etag]);
  HttpResponse same = web->Answer(Get("/assets/index-3f9a2b.js", etag));
  CHECK(same.result() == bhttp::status::not_modified);
  CHECK(same.body().empty());
  CHECK(same[bhttp::field::etag] == etag);
  CHECK(same[bhttp::field::cache_control] == "public, max-age=31536000, immutable");
  CHECK(web->Answer(Get("/assets/index-3f9a2b.js", "\"other\", " + etag)).result() ==
        bhttp::status::not_modified);
  CHECK(web->Answer(Get("/assets/index-3f9a2b.js", "W/" + etag)).result() ==
        bhttp::status::not_modified);
  CHECK(web->Answer(Get("/assets/index-3f9a2b.js", "*")).result() == bhttp::status::not_modified);
  CHECK(web->Answer(Get("/assets/index-3f9a2b.js", "\"stale\"")).result() == bhttp::status::ok);
  // Different contents, different tags.
  CHECK(web->Answer(Get("/"))[bhttp::field::etag] != etag);
}

TEST_CASE("client routes get index.html - missing files and assets 404") {
  Dist dist;
  auto web = dist.Load();
  const std::string index = web->Answer(Get("/")).body();
  for (const char* route : {"/streams/str_123", "/host/console", "/login?next=/s/x", "/admin/"}) {
    INFO(route);
    HttpResponse r = web->Answer(Get(route));
    CHECK(r.result() == bhttp::status::ok);
    CHECK(r.body() == index);
    CHECK(r[bhttp::field::cache_control] == "no-cache");
  }
  CHECK(web->Answer(Get("/assets/missing-123.js")).result() == bhttp::status::not_found);
  CHECK(web->Answer(Get("/assets/chunk")).result() == bhttp::status::not_found);
  CHECK(web->Answer(Get("/missing.png")).result() == bhttp::status::not_found);
}

TEST_CASE("traversal and hidden files are never served") {
  Dist dist;
  auto web = dist.Load();
  const std::string index = web->Answer(Get("/")).body();
  for (const char* target :
       {"/.env", "/.git/config", "/assets/../.env", "/passwd", "/%2e%2e/etc/passwd",
        "/..%2fetc%2fpasswd", "/assets/%2e%2e/index.html", "/index.html%00.js", "/a\\..\\b.txt"}) {
    INFO(target);
    HttpResponse r = web->Answer(Get(target));
    CHECK((r.result() == bhttp::status::not_found || r.body() == index));
    CHECK(r.body().find("SECRET") == std::string::npos);
    CHECK(r.body().find("root:") == std::string::npos);
    CHECK(r.body().find("[core]") == std::string::npos);
  }
  CHECK(IsServablePath("/assets/index-3f9a2b.js"));
  CHECK(IsServablePath("/a/b/"));
  CHECK_FALSE(IsServablePath("/a//b"));
  CHECK_FALSE(IsServablePath("/.hidden"));
  CHECK_FALSE(IsServablePath("/a/../b"));
  CHECK_FALSE(IsServablePath("/a%2fb"));
  CHECK_FALSE(IsServablePath("relative"));
  CHECK_FALSE(IsServablePath("/" + std::string(1100, 'a')));
}

TEST_CASE("GET and HEAD only") {
  Dist dist;
  auto web = dist.Load();
  HttpResponse post = web->Answer(Get("/", "", bhttp::verb::post));
  CHECK(post.result() == bhttp::status::method_not_allowed);
  CHECK(post[bhttp::field::allow] == "GET, HEAD");
  CHECK(web->Answer(Get("/", "", bhttp::verb::head)).result() == bhttp::status::ok);
  CHECK(web->Answer(Get("/", "", bhttp::verb::delete_)).result() ==
        bhttp::status::method_not_allowed);
}

TEST_CASE("without a built app, pages say so and assets are 404") {
  shopcast::testing::TempDir empty;
  for (const std::string& root : {empty.File("missing"), empty.path().string(), std::string()}) {
    auto web = WebFiles::Load(WebFilesOptions{root});
    REQUIRE(web.ok());
    CHECK_FALSE((*web)->built());
    HttpResponse page = (*web)->Answer(Get("/"));
    CHECK(page.result() == bhttp::status::service_unavailable);
    CHECK(absl::StrContains(page.body(), "not built"));
    CHECK(absl::StrContains(page.body(), "tools/dev build"));
    CHECK(page.body().find("<script") == std::string::npos);
    CHECK((*web)->Answer(Get("/assets/x.js")).result() == bhttp::status::not_found);
  }
}

TEST_CASE("a root beyond the limits is refused at start") {
  Dist dist;
  auto tiny = WebFiles::Load(WebFilesOptions{dist.dir.path().string(), 10, 5000});
  CHECK(tiny.status().code() == absl::StatusCode::kFailedPrecondition);
  auto few = WebFiles::Load(WebFilesOptions{dist.dir.path().string(), 1 << 20, 2});
  CHECK(few.status().code() == absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace shopcast::gateway::web
