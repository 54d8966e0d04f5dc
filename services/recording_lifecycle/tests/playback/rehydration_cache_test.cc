// The cold-tier rehydration cache on a scratch folder, fed by a filesystem provider standing in
// for the object store (same interface): one fetch per object, its bound kept by evicting the
// least recently used, concurrent requests sharing one fetch, failures leaving nothing.
#include "playback/rehydration_cache.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shopcast/testing/temp_dir.h"
#include "storage/digest.h"
#include "storage/filesystem_provider.h"

namespace shopcast::recording_lifecycle::playback {
namespace {

namespace fs = std::filesystem;

// Counts GetToFile calls on a real provider.
class CountingProvider final : public storage::StorageProvider {
 public:
  explicit CountingProvider(storage::StorageProvider& inner) : inner_(inner) {}
  const std::string& name() const override { return inner_.name(); }
  absl::Status Put(absl::string_view k, const fs::path& s, absl::string_view h,
                   const storage::CallOptions& o) override {
    return inner_.Put(k, s, h, o);
  }
  absl::Status GetToFile(absl::string_view k, const fs::path& d,
                         const storage::CallOptions& o) override {
    ++gets;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a slow store
    return inner_.GetToFile(k, d, o);
  }
  absl::StatusOr<std::string> GetRange(absl::string_view k, int64_t off, int64_t len,
                                       const storage::CallOptions& o) override {
    return inner_.GetRange(k, off, len, o);
  }
  absl::StatusOr<storage::ObjectInfo> Stat(absl::string_view k,
                                           const storage::CallOptions& o) override {
    return inner_.Stat(k, o);
  }
  absl::Status Delete(absl::string_view k, const storage::CallOptions& o) override {
    return inner_.Delete(k, o);
  }
  absl::StatusOr<storage::ListPage> List(absl::string_view p, absl::string_view t, int m,
                                         const storage::CallOptions& o) override {
    return inner_.List(p, t, m, o);
  }
  absl::StatusOr<std::string> PresignGet(absl::string_view k, absl::Duration ttl) override {
    return inner_.PresignGet(k, ttl);
  }
  std::atomic<int> gets{0};

 private:
  storage::StorageProvider& inner_;
};

struct World {
  shopcast::testing::TempDir dir;
  std::unique_ptr<storage::FilesystemProvider> store;
  std::unique_ptr<CountingProvider> counting;

  World() {
    fs::create_directories(dir.path() / "store");
    store = *storage::FilesystemProvider::Open("cold", dir.path() / "store");
    counting = std::make_unique<CountingProvider>(*store);
  }
  // Object `key` of `n` bytes.
  void Put(const std::string& key, size_t n) {
    const fs::path src = dir.path() / "src";
    std::ofstream(src, std::ios::binary) << std::string(n, 'x');
    REQUIRE(store->Put(key, src, *storage::Sha256OfFile(src)).ok());
  }
};

TEST_CASE("An object is fetched once, then served from the cache") {
  World w;
  w.Put("str_a/000001.ts", 1000);
  auto cache = RehydrationCache::Open(w.dir.path() / "cache", 1 << 20, absl::Seconds(10));
  REQUIRE(cache.ok());
  bool fetched = false;
  auto name = (*cache)->Get(*w.counting, "str_a/000001.ts", &fetched);
  REQUIRE(name.ok());
  CHECK(fetched);
  CHECK(*name == "str_a!000001.ts");
  CHECK(fs::file_size(w.dir.path() / "cache" / *name) == 1000);
  REQUIRE((*cache)->Get(*w.counting, "str_a/000001.ts", &fetched).ok());
  CHECK_FALSE(fetched);
  CHECK(w.counting->gets == 1);
  CHECK((*cache)->bytes() == 1000);
}

TEST_CASE("The cache stays under its bound, evicting the least recently used") {
  World w;
  for (int i = 0; i < 5; ++i) w.Put(absl::StrCat("str_a/00000", i, ".ts"), 400);
  auto cache = RehydrationCache::Open(w.dir.path() / "cache", 1000, absl::Seconds(10));
  REQUIRE(cache.ok());
  REQUIRE((*cache)->Get(*w.counting, "str_a/000000.ts").ok());
  REQUIRE((*cache)->Get(*w.counting, "str_a/000001.ts").ok());
  REQUIRE((*cache)->Get(*w.counting, "str_a/000000.ts").ok());  // 0 is now the most recent
  REQUIRE((*cache)->Get(*w.counting, "str_a/000002.ts").ok());  // 1200 > 1000: 1 goes
  CHECK((*cache)->bytes() == 800);
  CHECK(fs::exists(w.dir.path() / "cache" / "str_a!000000.ts"));
  CHECK_FALSE(fs::exists(w.dir.path() / "cache" / "str_a!000001.ts"));
  for (int i = 0; i < 5; ++i)
    REQUIRE((*cache)->Get(*w.counting, absl::StrCat("str_a/00000", i, ".ts")).ok());
  CHECK((*cache)->bytes() <= 1000);
  size_t on_disk = 0;
  for (const auto& e : fs::directory_iterator(w.dir.path() / "cache")) on_disk += fs::file_size(e);
  CHECK(on_disk == (*cache)->bytes());
}

TEST_CASE("Concurrent requests for one cold object share one fetch") {
  World w;
  w.Put("str_a/000009.ts", 5000);
  auto cache = RehydrationCache::Open(w.dir.path() / "cache", 1 << 20, absl::Seconds(10));
  REQUIRE(cache.ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if ((*cache)->Get(*w.counting, "str_a/000009.ts").ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 8);
  CHECK(w.counting->gets == 1);
}

TEST_CASE("A missing object is NOT_FOUND and leaves nothing, the folder starts empty") {
  World w;
  fs::create_directories(w.dir.path() / "cache");
  std::ofstream(w.dir.path() / "cache" / "stale.ts") << "old";
  auto cache = RehydrationCache::Open(w.dir.path() / "cache", 1 << 20, absl::Seconds(10));
  REQUIRE(cache.ok());
  CHECK(fs::is_empty(w.dir.path() / "cache"));
  auto got = (*cache)->Get(*w.counting, "str_a/404.ts");
  CHECK(absl::IsNotFound(got.status()));
  CHECK(fs::is_empty(w.dir.path() / "cache"));
  CHECK((*cache)->files() == 0);
  CHECK_FALSE(RehydrationCache::Open("", 1, absl::Seconds(1)).ok());
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::playback
