// The filesystem provider (hot and warm tiers) on a scratch folder.
#include "storage/filesystem_provider.h"

#include <sys/resource.h>
#include <sys/xattr.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"
#include "storage/digest.h"

namespace shopcast::recording_lifecycle::storage {
namespace {
namespace fs = std::filesystem;

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

void WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every file and folder under `root`, relative (what an operator would see with `find`).
std::vector<std::string> Everything(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    out.push_back(e.path().lexically_relative(root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct World {
  shopcast::testing::TempDir dir;
  fs::path root = dir.path() / "warm";
  fs::path scratch = dir.path() / "scratch";
  prometheus::Registry registry;
  PrometheusStorageMetrics metrics{registry};
  std::unique_ptr<FilesystemProvider> provider;

  World() {
    fs::create_directories(root);
    fs::create_directories(scratch);
    provider = std::move(FilesystemProvider::Open("local-warm", root, &metrics).value());
  }

  // A local file with `bytes`; returns its path and SHA-256.
  std::pair<fs::path, std::string> Source(const std::string& name, const std::string& bytes) {
    fs::path p = scratch / name;
    WriteFile(p, bytes);
    return {p, Sha256Hex(bytes)};
  }

  std::string Metrics() { return prometheus::TextSerializer().Serialize(registry.Collect()); }
};

TEST_CASE("fs provider: put, stat, get, range, list and delete a segment", "[fs]") {
  World w;
  std::string bytes = RandomBytes(300000, 1);
  auto [src, sha] = w.Source("seg.ts", bytes);
  REQUIRE(w.provider->Put("str_1/000041.ts", src, sha).ok());

  // Where video-ingest's layout puts it, with the same bytes.
  CHECK(ReadFile(w.root / "str_1" / "000041.ts") == bytes);
  absl::StatusOr<ObjectInfo> info = w.provider->Stat("str_1/000041.ts");
  REQUIRE(info.ok());
  CHECK(info->size == 300000);
  CHECK(info->sha256 == sha);  // recorded in the user.shopcast.sha256 attribute

  fs::path out = w.scratch / "back.ts";
  REQUIRE(w.provider->GetToFile("str_1/000041.ts", out).ok());
  CHECK(ReadFile(out) == bytes);

  absl::StatusOr<std::string> range = w.provider->GetRange("str_1/000041.ts", 1000, 188);
  REQUIRE(range.ok());
  CHECK(*range == bytes.substr(1000, 188));
  range = w.provider->GetRange("str_1/000041.ts", 299990, 100);  // short at the end
  REQUIRE(range.ok());
  CHECK(*range == bytes.substr(299990));
  absl::Status past = w.provider->GetRange("str_1/000041.ts", 300000, 1).status();
  CHECK(absl::IsOutOfRange(past));
  CHECK(ReasonOf(past) == "RANGE_NOT_SATISFIABLE");

  absl::StatusOr<ListPage> page = w.provider->List("str_1/", "", 100);
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 1);
  CHECK(page->objects[0].key == "str_1/000041.ts");
  CHECK(page->objects[0].size == 300000);

  REQUIRE(w.provider->Delete("str_1/000041.ts").ok());
  CHECK(ReasonOf(w.provider->Stat("str_1/000041.ts").status()) == "OBJECT_NOT_FOUND");
  // Deleting again is fine, and the emptied folder went with it: nothing is left.
  CHECK(w.provider->Delete("str_1/000041.ts").ok());
  CHECK(Everything(w.root).empty());

  std::string m = w.Metrics();
  CHECK(m.find("recording_lifecycle_storage_bytes_total{direction=\"in\",provider=\"local-warm\"} "
               "300000") != std::string::npos);
  CHECK(m.find("outcome=\"object_not_found\"") != std::string::npos);
}

TEST_CASE("fs provider: two deletes racing in one folder both succeed and leave nothing", "[fs]") {
  // The second-to-last delete's fsync of the folder can meet the folder already pruned by the
  // last one (the mover deletes a clip's MP4 and poster from two workers at once).
  World w;
  auto [src, sha] = w.Source("small.bin", "some bytes");
  for (int round = 0; round < 300; ++round) {
    INFO("round " << round);
    REQUIRE(w.provider->Put("rec_1/clips/a.mp4", src, sha).ok());
    REQUIRE(w.provider->Put("rec_1/clips/a.jpg", src, sha).ok());
    absl::Status first, second;
    std::thread t([&] { first = w.provider->Delete("rec_1/clips/a.mp4"); });
    second = w.provider->Delete("rec_1/clips/a.jpg");
    t.join();
    CHECK(first.ok());
    CHECK(second.ok());
    REQUIRE(Everything(w.root).empty());
  }
}

TEST_CASE("fs provider: a wrong checksum stores nothing and keeps the old object", "[fs]") {
  World w;
  auto [old_src, old_sha] = w.Source("old.ts", "old bytes");
  REQUIRE(w.provider->Put("str_1/000001.ts", old_src, old_sha).ok());
  auto [src, sha] = w.Source("new.ts", "new bytes");
  absl::Status s = w.provider->Put("str_1/000001.ts", src, old_sha);  // the wrong checksum
  CHECK(absl::IsDataLoss(s));
  CHECK(ReasonOf(s) == "CHECKSUM_MISMATCH");
  CHECK(ReadFile(w.root / "str_1" / "000001.ts") == "old bytes");
  CHECK(Everything(w.root) == std::vector<std::string>{"str_1", "str_1/000001.ts"});
  // And a new key with a wrong checksum leaves no object at all.
  CHECK(absl::IsDataLoss(w.provider->Put("str_1/000002.ts", src, old_sha)));
  CHECK(ReasonOf(w.provider->Stat("str_1/000002.ts").status()) == "OBJECT_NOT_FOUND");
}

// A full disk without root or a loop device: RLIMIT_FSIZE makes the kernel refuse writes past a
// size (EFBIG; SIGXFSZ ignored), exactly where ENOSPC would strike on a full volume. The provider
// treats both (and EDQUOT) as RESOURCE_EXHAUSTED/STORAGE_FULL. Catch2 runs each test case in its
// own process under CTest; the limit is restored anyway.
TEST_CASE("fs provider: a full disk leaves no partial object behind", "[fs]") {
  World w;
  auto [old_src, old_sha] = w.Source("old.ts", "the previous copy");
  REQUIRE(w.provider->Put("str_1/000007.ts", old_src, old_sha).ok());
  std::string bytes = RandomBytes(1 << 20, 7);
  auto [src, sha] = w.Source("big.ts", bytes);

  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGXFSZ, &ignore, &previous);
  rlimit before{};
  getrlimit(RLIMIT_FSIZE, &before);
  rlimit small = before;
  small.rlim_cur = 64 * 1024;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  absl::Status replace = w.provider->Put("str_1/000007.ts", src, sha);
  absl::Status fresh = w.provider->Put("str_1/000008.ts", src, sha);
  setrlimit(RLIMIT_FSIZE, &before);
  sigaction(SIGXFSZ, &previous, nullptr);

  CHECK(absl::IsResourceExhausted(replace));
  CHECK(ReasonOf(replace) == "STORAGE_FULL");
  CHECK(absl::IsResourceExhausted(fresh));
  // The old object is whole, the new key does not exist, no temporary file remains.
  CHECK(ReadFile(w.root / "str_1" / "000007.ts") == "the previous copy");
  CHECK(ReasonOf(w.provider->Stat("str_1/000008.ts").status()) == "OBJECT_NOT_FOUND");
  CHECK(Everything(w.root) == std::vector<std::string>{"str_1", "str_1/000007.ts"});
  // With room again, the same put succeeds.
  CHECK(w.provider->Put("str_1/000008.ts", src, sha).ok());
  CHECK(w.Metrics().find("outcome=\"storage_full\"") != std::string::npos);
}

TEST_CASE("fs provider: keys that leave the root are refused before touching the disk", "[fs]") {
  World w;
  auto [src, sha] = w.Source("x.ts", "x");
  for (const char* key : {"../escape.ts", "/etc/passwd", "a/../../b", ".hidden", "a//b"}) {
    INFO(key);
    CHECK(ReasonOf(w.provider->Put(key, src, sha)) == "OBJECT_KEY_INVALID");
    CHECK(ReasonOf(w.provider->Stat(key).status()) == "OBJECT_KEY_INVALID");
    CHECK(ReasonOf(w.provider->Delete(key)) == "OBJECT_KEY_INVALID");
    CHECK(ReasonOf(w.provider->GetToFile(key, w.scratch / "o")) == "OBJECT_KEY_INVALID");
  }
  CHECK(Everything(w.root).empty());
  CHECK_FALSE(fs::exists(w.dir.path() / "escape.ts"));
  CHECK(ReasonOf(w.provider->Put("a.ts", src, "not-a-sha")) == "STORAGE_REQUEST_INVALID");
  CHECK(ReasonOf(w.provider->Put("a.ts", w.scratch / "missing", sha)) == "OBJECT_NOT_FOUND");
}

TEST_CASE("fs provider: list pages in key order, skips temporary files and symlinks", "[fs]") {
  World w;
  auto [src, sha] = w.Source("s.ts", "segment");
  for (int i = 1; i <= 7; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "str_2/%06d.ts", i);
    REQUIRE(w.provider->Put(key, src, sha).ok());
  }
  REQUIRE(w.provider->Put("str_3/000001.ts", src, sha).ok());
  // What a crashed put leaves, and what someone else linked in.
  WriteFile(w.root / "str_2" / ".000009.ts.tmp-abc", "partial");
  fs::create_symlink("/etc/passwd", w.root / "str_2" / "000010.ts");

  std::vector<std::string> keys;
  std::string token;
  int pages = 0;
  do {
    absl::StatusOr<ListPage> page = w.provider->List("str_2/", token, 3);
    REQUIRE(page.ok());
    ++pages;
    for (const ObjectInfo& o : page->objects) keys.push_back(o.key);
    token = page->next_page_token;
  } while (!token.empty());
  CHECK(pages == 3);
  CHECK(keys == std::vector<std::string>{"str_2/000001.ts", "str_2/000002.ts", "str_2/000003.ts",
                                         "str_2/000004.ts", "str_2/000005.ts", "str_2/000006.ts",
                                         "str_2/000007.ts"});
  absl::StatusOr<std::vector<ObjectInfo>> all = ListAll(*w.provider, "str_");
  REQUIRE(all.ok());
  CHECK(all->size() == 8);
  absl::StatusOr<ListPage> partial = w.provider->List("str_2/00000", "", 1000);
  REQUIRE(partial.ok());
  CHECK(partial->objects.size() == 7);
  CHECK(w.provider->List("nothing/", "", 10)->objects.empty());

  CHECK(ReasonOf(w.provider->List("../", "", 10).status()) == "OBJECT_KEY_INVALID");
  CHECK(ReasonOf(w.provider->List("str_2/", "", 0).status()) == "STORAGE_REQUEST_INVALID");
  CHECK(ReasonOf(w.provider->List("str_2/", "", 1001).status()) == "STORAGE_REQUEST_INVALID");
  CHECK(ReasonOf(w.provider->List("str_2/", "str_3/000001.ts", 10).status()) ==
        "STORAGE_REQUEST_INVALID");
  // A symlink is not an object: Stat does not follow it.
  CHECK(ReasonOf(w.provider->Stat("str_2/000010.ts").status()) == "OBJECT_NOT_FOUND");
}

TEST_CASE("fs provider: bytes changed on disk since the put are caught on get", "[fs]") {
  World w;
  auto [src, sha] = w.Source("s.ts", RandomBytes(4096, 3));
  REQUIRE(w.provider->Put("str_4/000001.ts", src, sha).ok());
  char probe[80];
  if (getxattr((w.root / "str_4" / "000001.ts").c_str(), kSha256Xattr, probe, sizeof(probe)) !=
      64) {
    WARN("this filesystem keeps no user xattrs: nothing recorded to verify against");
    return;
  }
  // Bit rot: same size, one byte flipped, the recorded checksum kept.
  {
    std::fstream f(w.root / "str_4" / "000001.ts", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x42');
  }
  fs::path out = w.scratch / "out.ts";
  absl::Status s = w.provider->GetToFile("str_4/000001.ts", out);
  CHECK(absl::IsDataLoss(s));
  CHECK(ReasonOf(s) == "CHECKSUM_MISMATCH");
  CHECK_FALSE(fs::exists(out));
  CHECK(Everything(w.scratch) == std::vector<std::string>{"s.ts"});  // no temporary file
}

TEST_CASE("fs provider: objects written by others (no checksum) are served as they are", "[fs]") {
  World w;
  fs::create_directories(w.root / "str_5");
  WriteFile(w.root / "str_5" / "000001.ts", "from video-ingest");
  absl::StatusOr<ObjectInfo> info = w.provider->Stat("str_5/000001.ts");
  REQUIRE(info.ok());
  CHECK(info->size == 17);
  CHECK(info->sha256.empty());
  fs::path out = w.scratch / "o.ts";
  REQUIRE(w.provider->GetToFile("str_5/000001.ts", out).ok());
  CHECK(ReadFile(out) == "from video-ingest");
}

TEST_CASE("fs provider: no presigned URLs, a root that is no folder is refused", "[fs]") {
  World w;
  absl::Status s = w.provider->PresignGet("str_1/000001.ts", absl::Minutes(5)).status();
  CHECK(absl::IsUnimplemented(s));
  CHECK(ReasonOf(s) == "PRESIGN_UNSUPPORTED");
  CHECK(ReasonOf(FilesystemProvider::Open("x", w.dir.path() / "missing").status()) ==
        "STORAGE_ROOT_INVALID");
  absl::StatusOr<fs::path> path = w.provider->PathOf("str_1/000001.ts");
  REQUIRE(path.ok());
  CHECK(*path == w.root / "str_1" / "000001.ts");
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::storage
