#include "web/web_files.h"

#include <openssl/sha.h>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "shopcast/log/log.h"

namespace shopcast::gateway::web {
namespace {

namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;

constexpr char kImmutable[] = "public, max-age=31536000, immutable";
constexpr char kRevalidate[] = "no-cache";
constexpr size_t kMaxPathBytes = 1024;

constexpr char kNotBuiltPage[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<title>Shopcast</title></head>\n<body><h1>Shopcast</h1>\n"
    "<p>The gateway is running, but the web app is not built.</p>\n"
    "<p>Build it with <code>tools/dev build</code> (or <code>npm ci &amp;&amp; npm run "
    "build</code> "
    "in <code>services/gateway/web</code>) and restart the gateway.</p>\n</body></html>\n";

bool IsSegmentChar(char c) {
  return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '~' || c == '@' || c == '+' ||
         c == '-';
}

std::string ETagOf(absl::string_view body) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  return absl::StrCat(
      "\"", absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), 16)), "\"");
}

// If-None-Match holds our tag (weak comparison, as RFC 9110 asks for this header) or "*".
bool NoneMatchHits(absl::string_view header, absl::string_view etag) {
  for (absl::string_view tag : absl::StrSplit(header, ',', absl::SkipWhitespace())) {
    tag = absl::StripAsciiWhitespace(tag);
    if (tag == "*") return true;
    absl::ConsumePrefix(&tag, "W/");
    if (tag == etag) return true;
  }
  return false;
}

bool HasExtension(absl::string_view path) {
  const size_t slash = path.rfind('/');
  const absl::string_view last = slash == absl::string_view::npos ? path : path.substr(slash + 1);
  return last.find('.') != absl::string_view::npos;
}

HttpResponse Plain(bhttp::status status, absl::string_view text, unsigned version) {
  HttpResponse r{status, version};
  r.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  r.set(bhttp::field::cache_control, "no-store");
  r.body() = std::string(text);
  return r;
}

}  // namespace

bool IsServablePath(absl::string_view path) {
  if (path.empty() || path.front() != '/' || path.size() > kMaxPathBytes) return false;
  if (path == "/") return true;
  const std::vector<absl::string_view> segments = absl::StrSplit(path.substr(1), '/');
  for (size_t i = 0; i < segments.size(); ++i) {
    const absl::string_view s = segments[i];
    if (s.empty()) {
      if (i + 1 != segments.size()) return false;
      continue;
    }
    if (s.front() == '.') return false;
    for (char c : s) {
      if (!IsSegmentChar(c)) return false;
    }
  }
  return true;
}

absl::string_view ContentTypeFor(absl::string_view name) {
  static constexpr std::pair<absl::string_view, absl::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".txt", "text/plain; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".avif", "image/avif"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".otf", "font/otf"},
      {".wasm", "application/wasm"},
      {".mp4", "video/mp4"},
      {".webm", "video/webm"},
      {".mp3", "audio/mpeg"},
  };
  const std::string lower = absl::AsciiStrToLower(name);
  for (const auto& [ext, type] : kTypes) {
    if (absl::EndsWith(lower, ext)) return type;
  }
  return "application/octet-stream";
}

absl::StatusOr<std::shared_ptr<WebFiles>> WebFiles::Load(const WebFilesOptions& options) {
  auto files = std::shared_ptr<WebFiles>(new WebFiles());
  std::error_code ec;
  const fs::path root(options.root);
  if (options.root.empty() || !fs::is_regular_file(root / "index.html", ec)) {
    log::Warn("web_app_not_built").Kv("web_root", options.root);
    return files;
  }
  uint64_t total = 0;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot list the web root ", options.root, ": ", ec.message()));
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot list the web root ", options.root, ": ", ec.message()));
    }
    const fs::directory_entry& entry = *it;
    const std::string name = entry.path().filename().string();
    if (!name.empty() && name.front() == '.') {  // Hidden files and folders are not the app's.
      if (entry.is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (entry.is_symlink(ec) || !entry.is_regular_file(ec)) continue;
    const std::string relative = fs::relative(entry.path(), root, ec).generic_string();
    const std::string path = "/" + relative;
    if (ec || !IsServablePath(path)) {
      log::Warn("web_file_skipped").Kv("file", relative);
      continue;
    }
    if (files->files_.size() >= options.max_files) {
      return absl::FailedPreconditionError(absl::StrCat("more than ", options.max_files,
                                                        " files under the web root ", options.root,
                                                        ": is it the right folder?"));
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      return absl::FailedPreconditionError(absl::StrCat("cannot read ", entry.path().string()));
    }
    total += body.size();
    if (total > options.max_total_bytes) {
      return absl::FailedPreconditionError(
          absl::StrCat("the web root ", options.root, " holds more than ", options.max_total_bytes,
                       " bytes: is it the right folder?"));
    }
    File f;
    f.etag = ETagOf(body);
    f.content_type = std::string(ContentTypeFor(name));
    f.immutable = absl::StartsWith(path, "/assets/");
    f.body = std::move(body);
    files->files_.emplace(path, std::move(f));
  }
  files->built_ = files->files_.count("/index.html") > 0;
  log::Info("web_app_loaded")
      .Kv("web_root", options.root)
      .Kv("files", static_cast<int64_t>(files->files_.size()))
      .Kv("bytes", total);
  return files;
}

void WebFiles::Handle(HttpRequest request, const RequestContext&, Responder respond) {
  std::move(respond)(Answer(request));
}

HttpResponse WebFiles::Answer(const HttpRequest& request) const {
  const unsigned version = request.version();
  if (request.method() != bhttp::verb::get && request.method() != bhttp::verb::head) {
    HttpResponse r = Plain(bhttp::status::method_not_allowed, "method not allowed\n", version);
    r.set(bhttp::field::allow, "GET, HEAD");
    return r;
  }
  const absl::string_view target(request.target().data(), request.target().size());
  const size_t q = target.find('?');
  const absl::string_view path = q == absl::string_view::npos ? target : target.substr(0, q);
  const bool client_route = !HasExtension(path) && !absl::StartsWith(path, "/assets/");
  if (!built_) {
    if (!client_route) return Plain(bhttp::status::not_found, "not found\n", version);
    HttpResponse r{bhttp::status::service_unavailable, version};
    r.set(bhttp::field::content_type, "text/html; charset=utf-8");
    r.set(bhttp::field::cache_control, "no-store");
    r.body() = kNotBuiltPage;
    return r;
  }
  if (IsServablePath(path)) {
    const std::string key = path == "/" ? "/index.html" : std::string(path);
    if (auto it = files_.find(key); it != files_.end()) return Serve(request, it->second);
  }
  if (client_route) return Serve(request, files_.at("/index.html"));
  return Plain(bhttp::status::not_found, "not found\n", version);
}

HttpResponse WebFiles::Serve(const HttpRequest& request, const File& file) const {
  HttpResponse r{bhttp::status::ok, request.version()};
  r.set(bhttp::field::etag, file.etag);
  r.set(bhttp::field::cache_control, file.immutable ? kImmutable : kRevalidate);
  const auto inm = request[bhttp::field::if_none_match];
  if (!inm.empty() && NoneMatchHits(absl::string_view(inm.data(), inm.size()), file.etag)) {
    r.result(bhttp::status::not_modified);
    return r;
  }
  r.set(bhttp::field::content_type, file.content_type);
  // HEAD: the server keeps the length and drops the bytes.
  r.body() = file.body;
  return r;
}

}  // namespace shopcast::gateway::web
