// The S3 provider against a real S3-compatible server (the run's s3rver, CTest fixture), with
// the test's fault proxy in front of it where the network has to misbehave.
//
// s3rver checks the access key id (unknown ones are refused), x-amz-content-sha256's presence
// and presigned URLs' expiry, but not V4 signature bytes; so "a wrong secret is refused" is
// proven by recomputing the signature curl sent (recorded by the proxy) with sigv4.h, whose
// output matches AWS's published examples (sigv4_test.cc): right secret, same bytes; wrong
// secret, other bytes.
#include "storage/s3_provider.h"

#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "fault_proxy.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "s3_env.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"
#include "storage/digest.h"
#include "storage/sigv4.h"

namespace shopcast::recording_lifecycle::storage {
namespace {
namespace fs = std::filesystem;
using testing::FaultProxy;
using Action = FaultProxy::Action;

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A plain HTTP client, as a player or browser would fetch a presigned URL: the status code.
int CurlGet(const std::string& url, const fs::path& out) {
  std::string cmd =
      absl::StrCat("curl -s -m 20 -o '", out.string(), "' -w '%{http_code}' '", url, "'");
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[16] = {0};
  size_t n = fread(buf, 1, sizeof(buf) - 1, p);
  pclose(p);
  return std::atoi(std::string(buf, n).c_str());
}

struct World {
  testing::S3TestServer server = testing::TestS3Server();
  shopcast::testing::TempDir dir;
  std::string prefix = testing::UniquePrefix();
  prometheus::Registry registry;
  PrometheusStorageMetrics metrics{registry};
  std::unique_ptr<FaultProxy> proxy;

  // A provider straight to the server, or through a fresh fault proxy (`via_proxy`).
  std::unique_ptr<S3Provider> Provider(bool via_proxy = false,
                                       std::function<void(S3Options&)> tweak = nullptr) {
    std::string endpoint = server.endpoint;
    if (via_proxy) {
      proxy = std::make_unique<FaultProxy>(server.port);
      endpoint = proxy->endpoint();
    }
    S3Options o = testing::TestS3Options(endpoint, server.bucket);
    if (tweak) tweak(o);
    absl::StatusOr<std::unique_ptr<S3Provider>> p = S3Provider::Create(o, &metrics);
    REQUIRE(p.ok());
    return std::move(*p);
  }

  std::pair<fs::path, std::string> Source(const std::string& name, const std::string& bytes) {
    fs::path p = dir.path() / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return {p, Sha256Hex(bytes)};
  }

  std::string Key(const std::string& rest) const { return prefix + rest; }

  std::string Metrics() { return prometheus::TextSerializer().Serialize(registry.Collect()); }
};

TEST_CASE("s3: put, stat, get, list and delete against a real server", "[s3]") {
  World w;
  auto s3 = w.Provider();
  std::string bytes = RandomBytes(200000, 1);
  auto [src, sha] = w.Source("seg.ts", bytes);
  std::string key = w.Key("str_1/000041.ts");
  REQUIRE(s3->Put(key, src, sha).ok());

  absl::StatusOr<ObjectInfo> info = s3->Stat(key);
  REQUIRE(info.ok());
  CHECK(info->size == 200000);
  CHECK(info->sha256 == sha);  // x-amz-meta-sha256, recorded at put

  fs::path out = w.dir.path() / "back.ts";
  REQUIRE(s3->GetToFile(key, out).ok());
  CHECK(ReadFile(out) == bytes);

  absl::StatusOr<ListPage> page = s3->List(w.Key("str_1/"), "", 100);
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 1);
  CHECK(page->objects[0].key == key);
  CHECK(page->objects[0].size == 200000);

  REQUIRE(s3->Delete(key).ok());
  absl::Status gone = s3->Stat(key).status();
  CHECK(absl::IsNotFound(gone));
  CHECK(ReasonOf(gone) == "OBJECT_NOT_FOUND");
  CHECK(s3->Delete(key).ok());  // idempotent
  CHECK(ReasonOf(s3->GetToFile(key, w.dir.path() / "none.ts")) == "OBJECT_NOT_FOUND");
  CHECK_FALSE(fs::exists(w.dir.path() / "none.ts"));
  CHECK(s3->List(w.Key(""), "", 100)->objects.empty());

  std::string m = w.Metrics();
  CHECK(absl::StrContains(
      m,
      "recording_lifecycle_storage_bytes_total{direction=\"in\",provider=\"test-cold\"} 200000"));
  CHECK(absl::StrContains(m,
                          "recording_lifecycle_storage_requests_total{op=\"put\",outcome=\"ok\","
                          "provider=\"test-cold\"} 1"));
  CHECK(absl::StrContains(m, "op=\"stat\",outcome=\"object_not_found\""));
}

TEST_CASE("s3: byte ranges, short at the end, past the end refused", "[s3]") {
  World w;
  auto s3 = w.Provider();
  std::string bytes = RandomBytes(10000, 2);
  auto [src, sha] = w.Source("r.ts", bytes);
  std::string key = w.Key("r.ts");
  REQUIRE(s3->Put(key, src, sha).ok());
  CHECK(*s3->GetRange(key, 0, 188) == bytes.substr(0, 188));
  CHECK(*s3->GetRange(key, 5000, 1000) == bytes.substr(5000, 1000));
  CHECK(*s3->GetRange(key, 9990, 100) == bytes.substr(9990));
  CHECK(s3->GetRange(key, 10, 0)->empty());
  absl::Status past = s3->GetRange(key, 10000, 10).status();
  CHECK(absl::IsOutOfRange(past));
  CHECK(ReasonOf(past) == "RANGE_NOT_SATISFIABLE");
  CHECK(ReasonOf(s3->GetRange(key, -1, 10).status()) == "STORAGE_REQUEST_INVALID");
  CHECK(ReasonOf(s3->GetRange(w.Key("missing.ts"), 0, 10).status()) == "OBJECT_NOT_FOUND");
}

TEST_CASE("s3: listing pages through continuation tokens, in key order", "[s3]") {
  World w;
  auto s3 = w.Provider();
  auto [src, sha] = w.Source("s.ts", "segment");
  for (int i = 1; i <= 7; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "str_2/%06d.ts", i);
    REQUIRE(s3->Put(w.Key(name), src, sha).ok());
  }
  REQUIRE(s3->Put(w.Key("str_3/000001.ts"), src, sha).ok());
  std::vector<std::string> keys;
  std::string token;
  int pages = 0;
  do {
    absl::StatusOr<ListPage> page = s3->List(w.Key("str_2/"), token, 3);
    INFO(page.status().ToString());
    REQUIRE(page.ok());
    ++pages;
    for (const ObjectInfo& o : page->objects) keys.push_back(o.key);
    token = page->next_page_token;
  } while (!token.empty());
  CHECK(pages == 3);
  REQUIRE(keys.size() == 7);
  CHECK(std::is_sorted(keys.begin(), keys.end()));
  CHECK(keys.front() == w.Key("str_2/000001.ts"));
  absl::StatusOr<std::vector<ObjectInfo>> all = ListAll(*s3, w.Key(""));
  REQUIRE(all.ok());
  CHECK(all->size() == 8);
  // Deleting every object leaves nothing under the prefix.
  for (const ObjectInfo& o : *all) REQUIRE(s3->Delete(o.key).ok());
  CHECK(ListAll(*s3, w.Key(""))->empty());
  CHECK(ReasonOf(s3->List("../x", "", 10).status()) == "OBJECT_KEY_INVALID");
  CHECK(ReasonOf(s3->List("", "", 0).status()) == "STORAGE_REQUEST_INVALID");
}

TEST_CASE("s3: a wrong checksum is refused before a byte is sent", "[s3]") {
  World w;
  auto s3 = w.Provider(/*via_proxy=*/true);
  auto [src, sha] = w.Source("x.ts", "the real bytes");
  std::string other = Sha256Hex("other bytes");
  absl::Status s = s3->Put(w.Key("x.ts"), src, other);
  CHECK(absl::IsDataLoss(s));
  CHECK(ReasonOf(s) == "CHECKSUM_MISMATCH");
  CHECK(w.proxy->Count("PUT", "") == 0);
  CHECK(ReasonOf(s3->Stat(w.Key("x.ts")).status()) == "OBJECT_NOT_FOUND");
  CHECK(ReasonOf(s3->Put("/abs", src, sha)) == "OBJECT_KEY_INVALID");
  CHECK(ReasonOf(s3->Put(w.Key("y.ts"), src, "zz")) == "STORAGE_REQUEST_INVALID");
}

TEST_CASE("s3: a 12 MiB object goes up in parts, a failing part is retried alone", "[s3]") {
  World w;
  auto s3 = w.Provider(/*via_proxy=*/true);
  std::string bytes = RandomBytes(12 << 20, 3);
  auto [src, sha] = w.Source("big.ts", bytes);
  std::string key = w.Key("rec_1/big.ts");
  w.proxy->AddRule({"PUT", "partNumber=2&", Action::kStatus, 503, 1});
  REQUIRE(s3->Put(key, src, sha).ok());

  // Create, three parts (5 + 5 + 2 MiB), part 2 twice, Complete; no plain PUT, no abort.
  CHECK(w.proxy->Count("POST", "?uploads") == 1);
  CHECK(w.proxy->Count("PUT", "partNumber=1&") == 1);
  CHECK(w.proxy->Count("PUT", "partNumber=2&") == 2);
  CHECK(w.proxy->Count("PUT", "partNumber=3&") == 1);
  CHECK(w.proxy->Count("PUT", "partNumber=4&") == 0);
  CHECK(w.proxy->Count("POST", "?uploadId=") == 1);
  CHECK(w.proxy->Count("DELETE", "") == 0);

  absl::StatusOr<ObjectInfo> info = s3->Stat(key);
  REQUIRE(info.ok());
  CHECK(info->size == (12 << 20));
  CHECK(info->sha256 == sha);  // given at CreateMultipartUpload, kept by Complete
  fs::path out = w.dir.path() / "big-back.ts";
  REQUIRE(s3->GetToFile(key, out).ok());
  CHECK(Sha256OfFile(out).value() == sha);
  CHECK(*s3->GetRange(key, (5 << 20) - 10, 20) == bytes.substr((5 << 20) - 10, 20));
  CHECK(absl::StrContains(
      w.Metrics(),
      "recording_lifecycle_storage_retries_total{op=\"upload_part\",provider=\"test-cold\"} 1"));
  REQUIRE(s3->Delete(key).ok());
}

TEST_CASE("s3: a multipart upload that cannot finish is aborted, nothing becomes visible", "[s3]") {
  World w;
  auto s3 = w.Provider(/*via_proxy=*/true);
  std::string bytes = RandomBytes(11 << 20, 4);
  auto [src, sha] = w.Source("big.ts", bytes);
  std::string key = w.Key("rec_2/big.ts");
  w.proxy->AddRule({"PUT", "partNumber=2&", Action::kStatus, 500, 1000});
  absl::Status s = s3->Put(key, src, sha);
  CHECK(absl::IsUnavailable(s));
  CHECK(ReasonOf(s) == "STORAGE_UNAVAILABLE");
  CHECK(w.proxy->Count("PUT", "partNumber=2&") == 4);  // max_attempts, then given up
  CHECK(w.proxy->Count("PUT", "partNumber=3&") == 0);
  CHECK(w.proxy->Count("POST", "?uploadId=") == 0);    // never completed
  CHECK(w.proxy->Count("DELETE", "?uploadId=") >= 1);  // AbortMultipartUpload sent
  CHECK(ReasonOf(s3->Stat(key).status()) == "OBJECT_NOT_FOUND");

  // The file is not what the caller vouched for: the parts go up (it is only known at the
  // end), but Complete is never sent. (A fresh proxy: no faults.)
  s3 = w.Provider(/*via_proxy=*/true);
  std::string wrong = Sha256Hex("something else");
  CHECK(ReasonOf(s3->Put(w.Key("rec_2/other.ts"), src, wrong)) == "CHECKSUM_MISMATCH");
  CHECK(w.proxy->Count("PUT", "partNumber=3&") == 1);
  CHECK(w.proxy->Count("POST", "?uploadId=") == 0);
  CHECK(w.proxy->Count("DELETE", "?uploadId=") == 1);
  CHECK(ReasonOf(s3->Stat(w.Key("rec_2/other.ts")).status()) == "OBJECT_NOT_FOUND");
}

TEST_CASE("s3: a Complete whose answer is lost is found done rather than failed", "[s3]") {
  World w;
  auto s3 = w.Provider(/*via_proxy=*/true);
  std::string bytes = RandomBytes(6 << 20, 9);
  auto [src, sha] = w.Source("lost.ts", bytes);
  std::string key = w.Key("rec_3/lost.ts");
  w.proxy->AddRule({"POST", "?uploadId=", Action::kLoseAnswer, 0, 1});
  REQUIRE(s3->Put(key, src, sha).ok());
  CHECK(w.proxy->Count("POST", "?uploadId=") >= 2);  // retried; the server had done it
  CHECK(w.proxy->Count("DELETE", "") == 0);          // and it was not aborted
  absl::StatusOr<ObjectInfo> info = s3->Stat(key);
  REQUIRE(info.ok());
  CHECK(info->sha256 == sha);
  fs::path out = w.dir.path() / "lost-back.ts";
  REQUIRE(s3->GetToFile(key, out).ok());
  CHECK(ReadFile(out) == bytes);
}

TEST_CASE("s3: concurrent calls on one provider do not interfere", "[s3]") {
  World w;
  auto s3 = w.Provider();
  constexpr int kThreads = 6;
  std::vector<std::pair<fs::path, std::string>> sources;
  std::vector<std::string> contents;
  for (int i = 0; i < kThreads; ++i) {
    contents.push_back(RandomBytes(100000 + 1000 * i, 100 + i));
    sources.push_back(w.Source(absl::StrCat("c", i, ".ts"), contents.back()));
  }
  std::vector<absl::Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      std::string key = w.Key(absl::StrCat("par/", i, ".ts"));
      absl::Status s = s3->Put(key, sources[i].first, sources[i].second);
      if (s.ok()) s = s3->GetToFile(key, w.dir.path() / absl::StrCat("back", i, ".ts"));
      results[i] = s;
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    INFO(i << ": " << results[i].ToString());
    CHECK(results[i].ok());
    CHECK(ReadFile(w.dir.path() / absl::StrCat("back", i, ".ts")) == contents[i]);
  }
  CHECK(ListAll(*s3, w.Key("par/"))->size() == kThreads);
}

TEST_CASE("s3: a presigned URL plays in a plain HTTP client until it expires", "[s3]") {
  World w;
  absl::Time now = absl::Now();
  // s3rver checks the key id, not V4 signature bytes, so the secret may differ from S3RVER's:
  // a distinct one shows it never appears in a URL.
  auto s3 = w.Provider(false, [&](S3Options& o) {
    o.now = [&now] { return now; };
    o.credentials.secret_access_key = "a-secret-never-in-urls";
  });
  std::string bytes = RandomBytes(50000, 5);
  auto [src, sha] = w.Source("p.ts", bytes);
  std::string key = w.Key("str_9/000001.ts");
  REQUIRE(s3->Put(key, src, sha).ok());

  absl::StatusOr<std::string> url = s3->PresignGet(key, absl::Minutes(10));
  REQUIRE(url.ok());
  CHECK(absl::StrContains(*url, "X-Amz-Signature="));
  CHECK_FALSE(absl::StrContains(*url, "a-secret-never-in-urls"));
  CHECK(absl::StrContains(*url, "X-Amz-Credential=S3RVER%2F"));
  fs::path out = w.dir.path() / "fetched.ts";
  CHECK(CurlGet(*url, out) == 200);
  CHECK(ReadFile(out) == bytes);

  // Signed two hours ago for one hour: refused.
  now = absl::Now() - absl::Hours(2);
  absl::StatusOr<std::string> old = s3->PresignGet(key, absl::Hours(1));
  REQUIRE(old.ok());
  CHECK(CurlGet(*old, w.dir.path() / "expired.ts") == 403);
  CHECK(ReasonOf(s3->PresignGet(key, absl::Hours(24 * 8)).status()) == "STORAGE_REQUEST_INVALID");
}

TEST_CASE("s3: credentials the server does not know are refused, not retried", "[s3]") {
  World w;
  auto s3 = w.Provider(true, [](S3Options& o) { o.credentials = {"NOT-A-KEY", "whatever", ""}; });
  auto [src, sha] = w.Source("c.ts", "bytes");
  absl::Status s = s3->Put(w.Key("c.ts"), src, sha);
  CHECK(absl::IsPermissionDenied(s));
  CHECK(ReasonOf(s) == "STORAGE_ACCESS_DENIED");
  CHECK(w.proxy->Count("PUT", "") == 1);
  // The secret never travels: not in any header, not in the URL.
  for (const FaultProxy::Seen& seen : w.proxy->Requests()) {
    CHECK_FALSE(absl::StrContains(seen.target, "whatever"));
    for (const auto& [name, value] : seen.headers)
      CHECK_FALSE(absl::StrContains(value, "whatever"));
  }
}

// The canonical request of what the proxy saw, as S3 would rebuild it.
std::string RecomputedSignature(const FaultProxy::Seen& seen, const std::string& secret) {
  std::string auth = seen.Header("authorization");
  std::string signed_list = auth.substr(auth.find("SignedHeaders=") + 14);
  signed_list = signed_list.substr(0, signed_list.find(','));
  sigv4::CanonicalInput in;
  in.method = seen.method;
  size_t q = seen.target.find('?');
  in.canonical_uri = seen.target.substr(0, q);
  in.canonical_query = q == std::string::npos ? "" : seen.target.substr(q + 1);
  for (absl::string_view name : absl::StrSplit(signed_list, ';')) {
    // A signed header the request does not carry could never verify at S3.
    bool present = false;
    for (const auto& h : seen.headers) present = present || h.first == name;
    CHECK(present);
    in.headers.emplace_back(std::string(name), seen.Header(std::string(name)));
  }
  in.payload_hash = seen.Header("x-amz-content-sha256");
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  REQUIRE(std::sscanf(seen.Header("x-amz-date").c_str(), "%4d%2d%2dT%2d%2d%2dZ", &y, &mo, &d, &h,
                      &mi, &sec) == 6);
  absl::Time t = absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, sec), absl::UTCTimeZone());
  return sigv4::Signature(
      sigv4::SigningKey(secret, t, "us-east-1", "s3"),
      sigv4::StringToSign(t, sigv4::Scope(t, "us-east-1", "s3"), sigv4::CanonicalRequest(in)));
}

TEST_CASE("s3: what libcurl signs verifies with the secret, and not with a wrong one", "[s3]") {
  World w;
  auto s3 = w.Provider(/*via_proxy=*/true);
  auto [src, sha] = w.Source("sig.ts", "signed bytes");
  std::string key = w.Key("str_7/000001.ts");
  REQUIRE(s3->Put(key, src, sha).ok());
  REQUIRE(s3->GetRange(key, 0, 4).ok());
  REQUIRE(s3->List(w.Key("str_7/"), "", 10).ok());
  REQUIRE(s3->Delete(key).ok());
  std::vector<FaultProxy::Seen> seen = w.proxy->Requests();
  REQUIRE(seen.size() == 4);
  for (const FaultProxy::Seen& r : seen) {
    INFO(r.method << " " << r.target << "\n" << r.Header("authorization"));
    std::string auth = r.Header("authorization");
    REQUIRE(absl::StartsWith(auth, "AWS4-HMAC-SHA256 Credential=S3RVER/"));
    std::string sent = auth.substr(auth.find("Signature=") + 10);
    // Everything that matters is covered: the payload's hash and the checksum headers.
    CHECK(absl::StrContains(auth, "x-amz-content-sha256"));
    CHECK(absl::StrContains(auth, "x-amz-date"));
    CHECK_FALSE(absl::StrContains(auth, "expect"));
    CHECK(RecomputedSignature(r, "S3RVER") == sent);
    CHECK(RecomputedSignature(r, "S3RVEX") != sent);
  }
  CHECK(seen[0].Header("x-amz-content-sha256") == sha);
  CHECK(absl::StrContains(seen[0].Header("authorization"), "x-amz-meta-sha256"));
  CHECK(absl::StrContains(seen[0].Header("authorization"), "content-md5"));
}

TEST_CASE("s3: 503 and 500 answers are retried with bounded backoff", "[s3]") {
  World w;
  auto s3 = w.Provider(true, [](S3Options& o) {
    o.retry = {4, absl::Milliseconds(100), absl::Milliseconds(300)};
  });
  auto [src, sha] = w.Source("b.ts", RandomBytes(1000, 6));
  std::string key = w.Key("b.ts");
  REQUIRE(s3->Put(key, src, sha).ok());
  w.proxy->AddRule({"GET", "", Action::kStatus, 503, 1});
  w.proxy->AddRule({"GET", "", Action::kStatus, 500, 1});
  auto start = std::chrono::steady_clock::now();
  REQUIRE(s3->GetRange(key, 0, 100).ok());
  auto elapsed = std::chrono::steady_clock::now() - start;
  std::vector<FaultProxy::Seen> gets;
  for (const auto& r : w.proxy->Requests()) {
    if (r.method == "GET") gets.push_back(r);
  }
  REQUIRE(gets.size() == 3);
  // Full jitter: each wait at most its cap (100 ms, then 200 ms), plus the answer's time.
  CHECK(gets[1].at - gets[0].at <= std::chrono::milliseconds(100 + 900));
  CHECK(gets[2].at - gets[1].at <= std::chrono::milliseconds(200 + 900));
  CHECK(elapsed < std::chrono::seconds(3));
  std::string m = w.Metrics();
  CHECK(absl::StrContains(
      m, "recording_lifecycle_storage_retries_total{op=\"get_range\",provider=\"test-cold\"} 2"));
  CHECK(absl::StrContains(
      m, "op=\"get_range\",outcome=\"storage_unavailable\",provider=\"test-cold\"} 2"));
}

TEST_CASE("s3: a server that keeps failing: UNAVAILABLE after max_attempts, waits capped", "[s3]") {
  World w;
  auto s3 = w.Provider(true, [](S3Options& o) {
    o.retry = {4, absl::Milliseconds(50), absl::Milliseconds(120)};
  });
  w.proxy->AddRule({"HEAD", "", Action::kStatus, 500, 1000});
  auto start = std::chrono::steady_clock::now();
  absl::Status s = s3->Stat(w.Key("any.ts")).status();
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(absl::IsUnavailable(s));
  CHECK(ReasonOf(s) == "STORAGE_UNAVAILABLE");
  CHECK(absl::StrContains(s.message(), "after 4 attempts"));
  CHECK(w.proxy->Count("HEAD", "") == 4);
  // Waits of at most 50 + 100 + 120 ms, plus four quick answers.
  CHECK(elapsed < std::chrono::milliseconds(270 + 2000));
}

TEST_CASE("s3: a stalled server: each attempt times out, the call ends at its deadline", "[s3]") {
  World w;
  auto s3 = w.Provider(true, [](S3Options& o) {
    o.attempt_timeout = absl::Milliseconds(400);
    o.retry = {10, absl::Milliseconds(20), absl::Milliseconds(50)};
  });
  auto [src, sha] = w.Source("st.ts", "stall");
  std::string key = w.Key("st.ts");
  REQUIRE(s3->Put(key, src, sha).ok());

  // Stalled once: the attempt times out and the retry goes through.
  w.proxy->AddRule({"GET", "", Action::kStall, 0, 1});
  absl::StatusOr<std::string> got = s3->GetRange(key, 0, 5);
  REQUIRE(got.ok());
  CHECK(*got == "stall");
  CHECK(w.proxy->Count("GET", "") == 2);

  // Stalled for good: the call's 1.5 s deadline ends it, whatever retries are left.
  w.proxy->AddRule({"GET", "", Action::kStall, 0, 1000});
  auto start = std::chrono::steady_clock::now();
  absl::Status s =
      s3->GetRange(key, 0, 5, CallOptions::WithTimeout(std::chrono::milliseconds(1500))).status();
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(absl::IsDeadlineExceeded(s));
  CHECK(ReasonOf(s) == "STORAGE_DEADLINE");
  CHECK(elapsed >= std::chrono::milliseconds(1400));
  CHECK(elapsed < std::chrono::milliseconds(1500 + 1000));
  CHECK(w.proxy->Count("GET", "") >= 2 + 2);  // several 400 ms attempts fit
}

TEST_CASE("s3: dropped connections and a server that is down are retried as UNAVAILABLE", "[s3]") {
  World w;
  auto s3 = w.Provider(/*via_proxy=*/true);
  auto [src, sha] = w.Source("d.ts", "dropped once");
  w.proxy->AddRule({"PUT", "", Action::kDrop, 0, 1});
  REQUIRE(s3->Put(w.Key("d.ts"), src, sha).ok());
  CHECK(w.proxy->Count("PUT", "") == 2);
  CHECK(ReadFile(w.dir.path() / "d.ts") == "dropped once");

  // Nothing listens: a closed port of this machine.
  int port;
  {
    FaultProxy closed(w.server.port);
    port = closed.port();
  }
  S3Options o = testing::TestS3Options(absl::StrCat("http://127.0.0.1:", port), w.server.bucket);
  auto down = S3Provider::Create(o).value();
  absl::Status s = down->Stat(w.Key("d.ts")).status();
  CHECK(absl::IsUnavailable(s));
  CHECK(absl::StrContains(s.message(), "after 4 attempts"));
}

TEST_CASE("s3: answers that retrying cannot fix are not retried", "[s3]") {
  World w;
  auto s3 = w.Provider(/*via_proxy=*/true);
  CHECK(absl::IsNotFound(s3->Stat(w.Key("missing.ts")).status()));
  CHECK(w.proxy->Count("HEAD", "") == 1);
  w.proxy->AddRule({"GET", "", Action::kStatus, 400, 1});
  absl::Status s = s3->GetRange(w.Key("missing.ts"), 0, 1).status();
  CHECK(absl::IsFailedPrecondition(s));
  CHECK(ReasonOf(s) == "STORAGE_REQUEST_REJECTED");
  CHECK(w.proxy->Count("GET", "") == 1);
}

// As in the filesystem test: RLIMIT_FSIZE stands in for a full local disk.
TEST_CASE("s3: a full local disk on get: RESOURCE_EXHAUSTED, no partial file, no retry", "[s3]") {
  World w;
  auto s3 = w.Provider(/*via_proxy=*/true);
  std::string bytes = RandomBytes(1 << 20, 8);
  auto [src, sha] = w.Source("g.ts", bytes);
  std::string key = w.Key("g.ts");
  REQUIRE(s3->Put(key, src, sha).ok());
  fs::path out_dir = w.dir.path() / "out";
  fs::create_directories(out_dir);

  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGXFSZ, &ignore, &previous);
  rlimit before{};
  getrlimit(RLIMIT_FSIZE, &before);
  rlimit small = before;
  small.rlim_cur = 64 * 1024;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  absl::Status s = s3->GetToFile(key, out_dir / "g.ts");
  setrlimit(RLIMIT_FSIZE, &before);
  sigaction(SIGXFSZ, &previous, nullptr);

  CHECK(absl::IsResourceExhausted(s));
  CHECK(ReasonOf(s) == "STORAGE_FULL");
  CHECK(fs::is_empty(out_dir));
  CHECK(w.proxy->Count("GET", "") == 1);
  REQUIRE(s3->GetToFile(key, out_dir / "g.ts").ok());
  CHECK(ReadFile(out_dir / "g.ts") == bytes);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::storage
