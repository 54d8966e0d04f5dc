#include "storage/s3_provider.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <mutex>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "storage/digest.h"
#include "storage/fs_errors.h"
#include "storage/object_key.h"
#include "storage/retry.h"
#include "storage/s3_xml.h"
#include "storage/sigv4.h"

namespace shopcast::recording_lifecycle::storage {
namespace fs = std::filesystem;

struct S3Provider::Request {
  std::string method = "GET";
  // Empty: the bucket itself (ListObjectsV2).
  std::string key;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256 = sigv4::kEmptySha256;
  // A PUT/POST body: `body`, or `body_length` bytes of `body_fd` from `body_offset`.
  absl::string_view body;
  int body_fd = -1;
  int64_t body_offset = 0;
  int64_t body_length = 0;
  // A 2xx answer's body goes to this file (emptied before each attempt); otherwise into
  // Response::body, at most `max_body` bytes (error answers: at most 1 MiB).
  int out_fd = -1;
  size_t max_body = 1 << 20;
};

struct S3Provider::Response {
  long status = 0;
  // Lower-case names.
  std::map<std::string, std::string> headers;
  std::string body;
  int64_t body_bytes = 0;
  long filetime = -1;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

namespace {

constexpr char kMetaSha256[] = "x-amz-meta-sha256";
constexpr char kReasonBucketMissing[] = "STORAGE_BUCKET_MISSING";
constexpr char kReasonRejected[] = "STORAGE_REQUEST_REJECTED";
constexpr char kReasonUploadMissing[] = "MULTIPART_UPLOAD_NOT_FOUND";

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Transfer {
  CURL* curl = nullptr;
  const S3Provider::Request* request = nullptr;
  S3Provider::Response* response = nullptr;
  int64_t sent = 0;
  int write_errno = 0;
  int read_errno = 0;
  bool source_short = false;
  bool body_too_large = false;
};

size_t OnWrite(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * count;
  long code = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
  if (t->request->out_fd >= 0 && code >= 200 && code < 300) {
    size_t done = 0;
    while (done < len) {
      ssize_t n = ::write(t->request->out_fd, data + done, len - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        t->write_errno = errno;
        return 0;  // Aborts the transfer: CURLE_WRITE_ERROR.
      }
      done += static_cast<size_t>(n);
    }
  } else {
    // Error answers are small XML documents; a success's body is bounded by the caller.
    size_t limit = code >= 200 && code < 300 ? t->request->max_body : size_t{1} << 20;
    if (t->response->body.size() + len > limit) {
      t->body_too_large = true;
      return 0;
    }
    t->response->body.append(data, len);
  }
  t->response->body_bytes += static_cast<int64_t>(len);
  return len;
}

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const S3Provider::Request& r = *t->request;
  size_t room = size * count;
  if (r.body_fd < 0) {
    size_t left = r.body.size() - static_cast<size_t>(t->sent);
    size_t n = std::min(room, left);
    std::memcpy(buffer, r.body.data() + t->sent, n);
    t->sent += static_cast<int64_t>(n);
    return n;
  }
  int64_t left = r.body_length - t->sent;
  if (left <= 0) return 0;
  size_t want = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(room), left));
  while (true) {
    ssize_t n = ::pread(r.body_fd, buffer, want, r.body_offset + t->sent);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      t->read_errno = errno;
      return CURL_READFUNC_ABORT;
    }
    if (n == 0) {
      // The file shrank under us.
      t->source_short = true;
      return CURL_READFUNC_ABORT;
    }
    t->sent += n;
    return static_cast<size_t>(n);
  }
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * count;
  absl::string_view line(data, len);
  if (absl::StartsWith(line, "HTTP/")) {
    t->response->headers.clear();  // A new answer (after a 100 Continue).
    return len;
  }
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return len;
  std::string name = absl::AsciiStrToLower(line.substr(0, colon));
  t->response->headers[name] = std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  return len;
}

long Millis(Clock::duration d) {
  return static_cast<long>(
      std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(d).count()));
}

absl::Status Unavailable(absl::string_view message) {
  return Error(absl::StatusCode::kUnavailable, kReasonUnavailable, message);
}

absl::Status DeadlineStatus(absl::string_view message) {
  return Error(absl::StatusCode::kDeadlineExceeded, kReasonDeadline, message);
}

absl::Status InvalidRequest(absl::string_view field, absl::string_view message) {
  return InvalidArgument(field, kReasonInvalidRequest, message);
}

// The status of an HTTP answer that is not 2xx.
absl::Status HttpStatus(absl::string_view op, absl::string_view key, long status,
                        const std::string& body) {
  s3xml::S3ErrorBody err = s3xml::ParseError(body);
  std::string message = absl::StrCat(op, " ", key.empty() ? "(bucket)" : key, ": HTTP ", status,
                                     err.code.empty() ? "" : " ", err.code,
                                     err.message.empty() ? "" : ": ", err.message);
  const std::string& code = err.code;
  if (status == 404) {
    if (code == "NoSuchBucket") {
      return Error(absl::StatusCode::kFailedPrecondition, kReasonBucketMissing, message);
    }
    if (code == "NoSuchUpload") {
      return Error(absl::StatusCode::kNotFound, kReasonUploadMissing, message);
    }
    return Error(absl::StatusCode::kNotFound, kReasonNotFound, message);
  }
  if (status == 416) return Error(absl::StatusCode::kOutOfRange, kReasonRange, message);
  if (status == 403 || status == 401) {
    return Error(absl::StatusCode::kPermissionDenied, kReasonAccessDenied, message);
  }
  if (code == "BadDigest" || code == "InvalidDigest" || code == "XAmzContentSHA256Mismatch") {
    return Error(absl::StatusCode::kDataLoss, kReasonChecksumMismatch, message);
  }
  if (status == 408 || status == 429 || status >= 500 || code == "RequestTimeout" ||
      code == "SlowDown") {
    return Unavailable(message);
  }
  return Error(absl::StatusCode::kFailedPrecondition, kReasonRejected, message);
}

std::string StripQuotes(absl::string_view etag) {
  etag = absl::StripAsciiWhitespace(etag);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return absl::AsciiStrToLower(etag);
}

absl::Status ReadFully(int fd, int64_t offset, char* out, int64_t length, absl::string_view name) {
  int64_t got = 0;
  while (got < length) {
    ssize_t n = ::pread(fd, out + got, static_cast<size_t>(length - got), offset + got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "read", name);
    if (n == 0) {
      return Error(absl::StatusCode::kDataLoss, kReasonChecksumMismatch,
                   absl::StrCat(name, " shrank while it was being stored"));
    }
    got += n;
  }
  return absl::OkStatus();
}

}  // namespace

std::string ContentTypeForKey(absl::string_view key) {
  if (absl::EndsWith(key, ".ts")) return "video/mp2t";
  if (absl::EndsWith(key, ".m3u8")) return "application/vnd.apple.mpegurl";
  if (absl::EndsWith(key, ".mp4") || absl::EndsWith(key, ".m4s")) return "video/mp4";
  if (absl::EndsWith(key, ".jpg") || absl::EndsWith(key, ".jpeg")) return "image/jpeg";
  if (absl::EndsWith(key, ".json")) return "application/json";
  return "application/octet-stream";
}

S3Provider::S3Provider(S3Options options, StorageMetrics* metrics)
    : options_(std::move(options)), metrics_(metrics) {}

S3Provider::~S3Provider() = default;

absl::StatusOr<std::unique_ptr<S3Provider>> S3Provider::Create(S3Options options,
                                                               StorageMetrics* metrics) {
  RETURN_IF_ERROR(options.Validate());
  GlobalInit();
  return std::unique_ptr<S3Provider>(new S3Provider(std::move(options), metrics));
}

double S3Provider::Uniform01() {
  absl::MutexLock lock(&rng_mu_);
  return absl::Uniform(rng_, 0.0, 1.0);
}

absl::StatusOr<S3Provider::Response> S3Provider::Attempt(absl::string_view op,
                                                         const Request& request,
                                                         Clock::time_point attempt_deadline) {
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return Error(absl::StatusCode::kInternal, kReasonIo, "curl_easy_init failed");
  CURL* c = curl.get();
  Response response;
  Transfer t;
  t.curl = c;
  t.request = &request;
  t.response = &response;
  if (request.out_fd >= 0) {
    if (::ftruncate(request.out_fd, 0) != 0 || ::lseek(request.out_fd, 0, SEEK_SET) != 0) {
      return ErrnoStatus(errno, "truncate", request.key);
    }
  }

  std::string url = absl::StrCat(options_.endpoint, "/", options_.bucket);
  if (!request.key.empty()) absl::StrAppend(&url, "/", sigv4::UriEncode(request.key, true));
  // Already canonical (sorted, encoded), so what curl signs is what S3 recomputes.
  if (!request.query.empty()) absl::StrAppend(&url, "?", sigv4::CanonicalQuery(request.query));
  std::string sigv4_param = absl::StrCat("aws:amz:", options_.region, ":s3");

  std::unique_ptr<curl_slist, SlistFree> headers;
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next != nullptr) {
      (void)headers.release();
      headers.reset(next);
    }
  };
  for (const auto& [name, value] : request.headers) add_header(absl::StrCat(name, ": ", value));
  add_header(absl::StrCat("x-amz-content-sha256: ", request.payload_sha256));
  if (!options_.credentials.session_token.empty()) {
    add_header(absl::StrCat("x-amz-security-token: ", options_.credentials.session_token));
  }
  // Not "Expect:" to suppress curl's 100-continue: curl 7.88 would sign that empty header,
  // which the request then does not carry, and S3 would refuse the signature. The Expect
  // header curl adds itself is not signed.

  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4_param.c_str());
  curl_easy_setopt(c, CURLOPT_USERNAME, options_.credentials.access_key_id.c_str());
  curl_easy_setopt(c, CURLOPT_PASSWORD, options_.credentials.secret_access_key.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
  // A fresh connection per request: no state shared between concurrent calls, and a
  // connection a fault left half-used is never reused.
  curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);

  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_off_t length =
        request.body_fd >= 0 ? request.body_length : static_cast<curl_off_t>(request.body.size());
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, length);
  } else if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method == "DELETE") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
  }

  Clock::duration left = attempt_deadline - Clock::now();
  if (left <= Clock::duration::zero()) return DeadlineStatus(absl::StrCat(op, ": deadline passed"));
  curl_easy_setopt(
      c, CURLOPT_CONNECTTIMEOUT_MS,
      std::min(Millis(left), Millis(absl::ToChronoMilliseconds(options_.connect_timeout))));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, Millis(left));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(options_.stall_bytes_per_second));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                   std::max(1L, static_cast<long>(absl::ToInt64Seconds(options_.stall_time))));

  CURLcode rc = curl_easy_perform(c);
  std::string where = absl::StrCat(op, " ", request.key.empty() ? "(bucket)" : request.key);
  if (rc != CURLE_OK) {
    if (t.write_errno != 0) return ErrnoStatus(t.write_errno, "write", request.key);
    if (t.read_errno != 0) return ErrnoStatus(t.read_errno, "read", "the source file");
    if (t.source_short) {
      return Error(absl::StatusCode::kDataLoss, kReasonChecksumMismatch,
                   absl::StrCat(where, ": the source file shrank while it was sent"));
    }
    if (t.body_too_large) {
      return Error(absl::StatusCode::kInternal, kReasonProtocol,
                   absl::StrCat(where, ": answer larger than expected"));
    }
    std::string detail =
        absl::StrCat(where, ": ", curl_easy_strerror(rc), errbuf[0] != '\0' ? " (" : "", errbuf,
                     errbuf[0] != '\0' ? ")" : "");
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:  // Also a stall below the low-speed limit.
        return DeadlineStatus(detail);
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_GOT_NOTHING:
      case CURLE_PARTIAL_FILE:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_HTTP2:
      case CURLE_HTTP2_STREAM:
      case CURLE_WEIRD_SERVER_REPLY:
        return Unavailable(detail);
      default:
        return Error(absl::StatusCode::kInternal, kReasonProtocol, detail);
    }
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  curl_easy_getinfo(c, CURLINFO_FILETIME, &response.filetime);
  if (response.status < 200 || response.status >= 300) {
    return HttpStatus(op, request.key, response.status, response.body);
  }
  return response;
}

absl::StatusOr<S3Provider::Response> S3Provider::Call(absl::string_view op, const Request& request,
                                                      const CallOptions& options) {
  const RetryPolicy& policy = options_.retry;
  absl::Status last;
  for (int attempt = 1;; ++attempt) {
    Clock::time_point now = Clock::now();
    if (now >= options.deadline) {
      return DeadlineStatus(absl::StrCat(op, " ", request.key, ": deadline passed",
                                         last.ok() ? "" : "; last error: ", last.message()));
    }
    Clock::time_point by_attempt = now + std::chrono::duration_cast<Clock::duration>(
                                             absl::ToChronoMilliseconds(options_.attempt_timeout));
    absl::StatusOr<Response> r = Attempt(op, request, std::min(options.deadline, by_attempt));
    if (metrics_ != nullptr) metrics_->Request(options_.name, op, r.status());
    if (r.ok()) return r;
    last = r.status();
    if (!IsRetryable(last)) return last;
    // A timeout at the call's own deadline ends it (the check at the top of the loop).
    if (Clock::now() >= options.deadline) continue;
    if (attempt >= policy.max_attempts) {
      return Error(last.code(), ReasonOf(last),
                   absl::StrCat(last.message(), " (after ", attempt, " attempts)"));
    }
    absl::Duration delay = BackoffDelay(policy, attempt, Uniform01());
    if (Clock::now() + absl::ToChronoNanoseconds(delay) >= options.deadline) {
      return DeadlineStatus(absl::StrCat(op, " ", request.key,
                                         ": the deadline passes before the next attempt; last "
                                         "error: ",
                                         last.message()));
    }
    log::Warn("storage_retry")
        .Kv("provider", options_.name)
        .Kv("op", op)
        .Kv("key", request.key)
        .Kv("attempt", attempt)
        .Kv("code", absl::StatusCodeToString(last.code()))
        .Kv("reason", ReasonOf(last))
        .Kv("delay_ms", absl::ToDoubleMilliseconds(delay));
    if (metrics_ != nullptr) metrics_->Retry(options_.name, op);
    absl::SleepFor(delay);
  }
}

absl::Status S3Provider::Put(absl::string_view key, const fs::path& source,
                             absl::string_view sha256, const CallOptions& options) {
  RETURN_IF_ERROR(ValidateKey(key));
  if (!IsSha256Hex(sha256)) return InvalidRequest("sha256", "sha256: 64 hex digits expected");
  std::string expected = absl::AsciiStrToLower(sha256);
  int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open", source.filename().string());
  struct stat st {};
  absl::Status status;
  if (::fstat(fd, &st) != 0) {
    status = ErrnoStatus(errno, "stat", source.filename().string());
  } else if (st.st_size > options_.multipart_threshold) {
    status = PutMultipart(key, fd, st.st_size, expected, options);
  } else {
    status = PutSingle(key, fd, st.st_size, expected, options);
  }
  ::close(fd);
  if (status.ok() && metrics_ != nullptr) metrics_->Bytes(options_.name, "in", st.st_size);
  return status;
}

absl::Status S3Provider::PutSingle(absl::string_view key, int fd, int64_t size,
                                   absl::string_view sha256, const CallOptions& options) {
  // Hash first: a file that is not what the caller vouched for never leaves the machine.
  Digest sha(Digest::Kind::kSha256);
  Digest md5(Digest::Kind::kMd5);
  std::vector<char> buf(1 << 20);
  for (int64_t off = 0; off < size;) {
    int64_t n = std::min<int64_t>(static_cast<int64_t>(buf.size()), size - off);
    RETURN_IF_ERROR(ReadFully(fd, off, buf.data(), n, key));
    sha.Update(buf.data(), static_cast<size_t>(n));
    md5.Update(buf.data(), static_cast<size_t>(n));
    off += n;
  }
  std::string actual = HexLower(sha.Finish());
  if (actual != sha256) {
    return Error(
        absl::StatusCode::kDataLoss, kReasonChecksumMismatch,
        absl::StrCat("put ", key, ": the file's SHA-256 is ", actual, ", expected ", sha256));
  }
  std::string md5_raw = md5.Finish();
  Request r;
  r.method = "PUT";
  r.key = std::string(key);
  r.headers = {{"Content-Type", ContentTypeForKey(key)},
               {"Content-MD5", Base64(md5_raw)},
               {kMetaSha256, std::string(sha256)}};
  r.payload_sha256 = std::string(sha256);
  r.body_fd = fd;
  r.body_length = size;
  ASSIGN_OR_RETURN(Response resp, Call("put", r, options));
  if (options_.verify_etag_md5 && StripQuotes(resp.Header("etag")) != HexLower(md5_raw)) {
    // The store holds other bytes than we sent: do not leave them under this key.
    (void)Delete(key, CallOptions::WithTimeout(std::chrono::seconds(30)));
    return Error(absl::StatusCode::kDataLoss, kReasonChecksumMismatch,
                 absl::StrCat("put ", key, ": the store's ETag ", resp.Header("etag"),
                              " is not the MD5 of the bytes sent"));
  }
  return absl::OkStatus();
}

absl::Status S3Provider::PutMultipart(absl::string_view key, int fd, int64_t size,
                                      absl::string_view sha256, const CallOptions& options) {
  Request create;
  create.method = "POST";
  create.key = std::string(key);
  create.query = {{"uploads", ""}};
  create.headers = {{"Content-Type", ContentTypeForKey(key)}, {kMetaSha256, std::string(sha256)}};
  ASSIGN_OR_RETURN(Response created, Call("multipart_create", create, options));
  ASSIGN_OR_RETURN(std::string upload_id, s3xml::ParseInitiateMultipartUpload(created.body));

  auto fail = [&](absl::Status s) {
    absl::Status aborted = Abort(key, upload_id);
    if (!aborted.ok()) {
      log::Warn("storage_multipart_abort_failed")
          .Kv("provider", options_.name)
          .Kv("key", key)
          .Kv("code", absl::StatusCodeToString(aborted.code()))
          .Kv("reason", ReasonOf(aborted));
    }
    return s;
  };

  Digest whole(Digest::Kind::kSha256);
  Digest md5(Digest::Kind::kMd5);
  std::vector<s3xml::CompletedPart> parts;
  std::string buf;
  int number = 1;
  for (int64_t off = 0; off < size; off += options_.part_size, ++number) {
    int64_t len = std::min<int64_t>(options_.part_size, size - off);
    buf.resize(static_cast<size_t>(len));
    if (absl::Status s = ReadFully(fd, off, buf.data(), len, key); !s.ok()) return fail(s);
    whole.Update(buf);
    md5.Update(buf);
    std::string md5_raw = md5.Finish();
    Request part;
    part.method = "PUT";
    part.key = std::string(key);
    part.query = {{"partNumber", absl::StrCat(number)}, {"uploadId", upload_id}};
    part.headers = {{"Content-MD5", Base64(md5_raw)}};
    part.payload_sha256 = Sha256Hex(buf);
    part.body = buf;
    absl::StatusOr<Response> sent = Call("upload_part", part, options);
    if (!sent.ok()) return fail(sent.status());
    std::string etag = sent->Header("etag");
    if (options_.verify_etag_md5 && StripQuotes(etag) != HexLower(md5_raw)) {
      return fail(Error(absl::StatusCode::kDataLoss, kReasonChecksumMismatch,
                        absl::StrCat("put ", key, ": part ", number, "'s ETag ", etag,
                                     " is not the MD5 of the bytes sent")));
    }
    parts.push_back({number, etag});
  }
  // Checked while the parts were read: no object becomes visible with other bytes than the
  // caller vouched for (Complete is never sent).
  std::string actual = HexLower(whole.Finish());
  if (actual != sha256) {
    return fail(Error(
        absl::StatusCode::kDataLoss, kReasonChecksumMismatch,
        absl::StrCat("put ", key, ": the file's SHA-256 is ", actual, ", expected ", sha256)));
  }

  std::string body = s3xml::CompleteMultipartUploadBody(parts);
  Request complete;
  complete.method = "POST";
  complete.key = std::string(key);
  complete.query = {{"uploadId", upload_id}};
  complete.headers = {{"Content-Type", "application/xml"}};
  complete.payload_sha256 = Sha256Hex(body);
  complete.body = body;
  absl::StatusOr<Response> done = Call("multipart_complete", complete, options);
  if (!done.ok()) {
    // A Complete that went through but whose answer was lost fails on retry (S3: NoSuchUpload;
    // other servers: anything). The object is there if it carries our checksum and size.
    absl::StatusOr<ObjectInfo> info = Stat(key, CallOptions::WithTimeout(std::chrono::seconds(30)));
    if (info.ok() && info->sha256 == sha256 && info->size == size) return absl::OkStatus();
    return fail(done.status());
  }
  s3xml::S3ErrorBody error;
  ASSIGN_OR_RETURN(bool failed, s3xml::CompleteFailed(done->body, &error));
  if (failed) {
    return fail(Unavailable(absl::StrCat(
        "put ", key, ": CompleteMultipartUpload failed: ", error.code, " ", error.message)));
  }
  return absl::OkStatus();
}

absl::Status S3Provider::Abort(absl::string_view key, const std::string& upload_id) {
  Request r;
  r.method = "DELETE";
  r.key = std::string(key);
  r.query = {{"uploadId", upload_id}};
  // Its own short deadline: it runs after the call's may have passed.
  absl::StatusOr<Response> resp =
      Call("multipart_abort", r, CallOptions::WithTimeout(std::chrono::seconds(30)));
  if (!resp.ok() && !absl::IsNotFound(resp.status())) return resp.status();
  return absl::OkStatus();
}

absl::Status S3Provider::GetToFile(absl::string_view key, const fs::path& destination,
                                   const CallOptions& options) {
  RETURN_IF_ERROR(ValidateKey(key));
  fs::path dir = destination.parent_path().empty() ? fs::path(".") : destination.parent_path();
  fs::path tmp = dir / absl::StrCat(".", destination.filename().string(), ".tmp-",
                                    absl::Hex(static_cast<uint64_t>(Uniform01() * 1e18)));
  int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, "create", destination.filename().string());
  auto fail = [&](absl::Status s) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  };
  Request r;
  r.key = std::string(key);
  r.out_fd = fd;
  absl::StatusOr<Response> resp = Call("get", r, options);
  if (!resp.ok()) return fail(resp.status());
  std::string recorded = absl::AsciiStrToLower(resp->Header(kMetaSha256));
  if (IsSha256Hex(recorded)) {
    absl::StatusOr<std::string> actual = Sha256OfFile(tmp);
    if (!actual.ok()) return fail(actual.status());
    if (*actual != recorded) {
      return fail(Error(absl::StatusCode::kDataLoss, kReasonChecksumMismatch,
                        absl::StrCat("get ", key, ": SHA-256 ", *actual, " of the bytes read, ",
                                     recorded, " recorded at put")));
    }
  }
  if (::fsync(fd) != 0) return fail(ErrnoStatus(errno, "fsync", destination.filename().string()));
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus(err, "close", destination.filename().string());
  }
  if (::rename(tmp.c_str(), destination.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus(err, "rename", destination.filename().string());
  }
  RETURN_IF_ERROR(FsyncDir(dir));
  if (metrics_ != nullptr) metrics_->Bytes(options_.name, "out", resp->body_bytes);
  return absl::OkStatus();
}

absl::StatusOr<std::string> S3Provider::GetRange(absl::string_view key, int64_t offset,
                                                 int64_t length, const CallOptions& options) {
  RETURN_IF_ERROR(ValidateKey(key));
  if (offset < 0 || length < 0) {
    return InvalidRequest("range", "range: offset and length must not be negative");
  }
  if (length > (256LL << 20)) return InvalidRequest("range", "range: at most 256 MiB at once");
  if (length == 0) {
    RETURN_IF_ERROR(Stat(key, options).status());
    return std::string();
  }
  Request r;
  r.key = std::string(key);
  r.headers = {{"Range", absl::StrCat("bytes=", offset, "-", offset + length - 1)}};
  r.max_body = static_cast<size_t>(length);
  absl::StatusOr<Response> resp = Call("get_range", r, options);
  if (!resp.ok()) {
    // S3 answers 416 for any range of an empty object; ours is "no bytes".
    if (absl::IsOutOfRange(resp.status()) && offset == 0) {
      absl::StatusOr<ObjectInfo> info = Stat(key, options);
      if (info.ok() && info->size == 0) return std::string();
    }
    return resp.status();
  }
  if (resp->status != 206) {
    return Error(absl::StatusCode::kInternal, kReasonProtocol,
                 absl::StrCat("get_range ", key, ": the store ignored the Range header"));
  }
  if (metrics_ != nullptr) metrics_->Bytes(options_.name, "out", resp->body_bytes);
  return std::move(resp->body);
}

absl::StatusOr<ObjectInfo> S3Provider::Stat(absl::string_view key, const CallOptions& options) {
  RETURN_IF_ERROR(ValidateKey(key));
  Request r;
  r.method = "HEAD";
  r.key = std::string(key);
  ASSIGN_OR_RETURN(Response resp, Call("stat", r, options));
  ObjectInfo info;
  info.key = std::string(key);
  if (!absl::SimpleAtoi(resp.Header("content-length"), &info.size) || info.size < 0) {
    return Error(absl::StatusCode::kInternal, kReasonProtocol,
                 absl::StrCat("stat ", key, ": no Content-Length"));
  }
  std::string sha = absl::AsciiStrToLower(resp.Header(kMetaSha256));
  if (IsSha256Hex(sha)) info.sha256 = sha;
  if (resp.filetime >= 0) info.modified = absl::FromTimeT(resp.filetime);
  return info;
}

absl::Status S3Provider::Delete(absl::string_view key, const CallOptions& options) {
  RETURN_IF_ERROR(ValidateKey(key));
  Request r;
  r.method = "DELETE";
  r.key = std::string(key);
  absl::StatusOr<Response> resp = Call("delete", r, options);
  if (!resp.ok() && ReasonOf(resp.status()) != kReasonNotFound) return resp.status();
  return absl::OkStatus();
}

absl::StatusOr<ListPage> S3Provider::List(absl::string_view prefix, absl::string_view page_token,
                                          int max_keys, const CallOptions& options) {
  RETURN_IF_ERROR(ValidateKeyPrefix(prefix));
  if (max_keys < 1 || max_keys > 1000) return InvalidRequest("max_keys", "max_keys: 1..1000");
  if (page_token.size() > 4096) {
    return InvalidRequest("page_token", "page_token: not one this listing returned");
  }
  Request r;
  r.query = {{"list-type", "2"}, {"max-keys", absl::StrCat(max_keys)}};
  if (!prefix.empty()) r.query.emplace_back("prefix", std::string(prefix));
  if (!page_token.empty()) r.query.emplace_back("continuation-token", std::string(page_token));
  r.max_body = 16 << 20;
  ASSIGN_OR_RETURN(Response resp, Call("list", r, options));
  ASSIGN_OR_RETURN(s3xml::ListResult result, s3xml::ParseListObjectsV2(resp.body));
  ListPage page;
  for (s3xml::ListedObject& o : result.objects) {
    ObjectInfo info;
    info.key = std::move(o.key);
    info.size = o.size;
    page.objects.push_back(std::move(info));
  }
  if (result.truncated) page.next_page_token = std::move(result.next_continuation_token);
  return page;
}

absl::StatusOr<std::string> S3Provider::PresignGet(absl::string_view key, absl::Duration ttl) {
  RETURN_IF_ERROR(ValidateKey(key));
  sigv4::PresignInput in;
  in.endpoint = options_.endpoint;
  in.canonical_uri = absl::StrCat("/", options_.bucket, "/", sigv4::UriEncode(key, true));
  in.region = options_.region;
  in.access_key_id = options_.credentials.access_key_id;
  in.secret_access_key = options_.credentials.secret_access_key;
  in.session_token = options_.credentials.session_token;
  in.now = options_.now ? options_.now() : absl::Now();
  in.ttl = ttl;
  return sigv4::PresignGet(in);
}

}  // namespace shopcast::recording_lifecycle::storage
