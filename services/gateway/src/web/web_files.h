#pragma once

// The web app's built files (web/dist) served from memory: loaded once at start (the app is a
// few megabytes), each with a strong ETag. Vite's hashed files under /assets/ are cached for a
// year (immutable); index.html and the rest are revalidated on every use (no-cache, then 304).
// A path without a file extension that names no file is a client-side route and gets
// index.html; a missing file is 404. GET and HEAD only. If the root holds no index.html, every
// page says the app is not built (503) instead.

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "http/exchange.h"

namespace shopcast::gateway::web {

struct WebFilesOptions {
  // The built app (services/gateway/web/dist). Missing or without index.html: "not built".
  std::string root;
  // Refuse to start beyond these (a wrong root, e.g. the repository itself).
  uint64_t max_total_bytes = 128 * 1024 * 1024;
  size_t max_files = 5000;
};

// True for a path the files may be looked up by: "/" or "/"-separated segments of
// [A-Za-z0-9._~@+-], none empty (but a final "/"), none starting with ".", at most 1024 bytes.
// No percent escapes at all, so nothing encoded can hide in it.
bool IsServablePath(absl::string_view path);

// The Content-Type for a file name, by extension ("application/octet-stream" if unknown).
absl::string_view ContentTypeFor(absl::string_view name);

class WebFiles final : public RouteHandler {
 public:
  // Reads every regular file under options.root (symlinks and dot-files skipped). An
  // unreadable file or the limits exceeded: FAILED_PRECONDITION naming it.
  static absl::StatusOr<std::shared_ptr<WebFiles>> Load(const WebFilesOptions& options);

  bool built() const { return built_; }
  size_t file_count() const { return files_.size(); }

  // Answers at once, on the calling thread (nothing blocks: the files are in memory).
  void Handle(HttpRequest request, const RequestContext& context, Responder respond) override;
  HttpResponse Answer(const HttpRequest& request) const;

 private:
  struct File {
    std::string body;
    std::string etag;  // "<32 hex>" (quotes included)
    std::string content_type;
    bool immutable = false;
  };

  HttpResponse Serve(const HttpRequest& request, const File& file) const;

  bool built_ = false;
  std::map<std::string, File, std::less<>> files_;  // By path, "/index.html".
};

}  // namespace shopcast::gateway::web
