// The rendition collector over a scratch folder with a stand-in for the database: what a sweep
// deletes and keeps (age, references, temporary and trash files), the race with a reference
// that appears between its two questions, failures of either question, crash leftovers, two
// collectors over one folder, and the periodic sweeper.

#include "images/rendition_gc.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "images/content_hash.h"
#include "images/rendition_sweeper.h"
#include "prometheus/registry.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"
#include "shopcast/timing/clock.h"

namespace images = shopcast::product_inventory::images;
using images::CollectStats;
using images::OutputFormat;

namespace {

// The database stand-in: a set of referenced keys, and hooks run before and after each answer
// is computed (the n-th question, counting from 1) so a test can change the set or the folder
// in between.
class FakeReferences final : public images::RenditionReferences {
 public:
  using Hook = std::function<void(int question)>;

  absl::StatusOr<absl::flat_hash_set<std::string>> Referenced(
      const std::vector<std::string>& keys) override {
    int n;
    Hook before, after;
    {
      absl::MutexLock lock(&mu_);
      n = ++questions_;
      before = before_;
      after = after_;
    }
    if (before) before(n);
    absl::StatusOr<absl::flat_hash_set<std::string>> out;
    {
      absl::MutexLock lock(&mu_);
      if (fail_question_ == n) {
        out = absl::UnavailableError("database went away");
      } else {
        out.emplace();
        for (const std::string& k : keys) {
          if (referenced_.contains(k)) out->insert(k);
        }
      }
    }
    if (after) after(n);
    return out;
  }

  void Reference(const std::string& key) {
    absl::MutexLock lock(&mu_);
    referenced_.insert(key);
  }
  void FailQuestion(int n) {
    absl::MutexLock lock(&mu_);
    fail_question_ = n;
  }
  void BeforeAnswer(Hook hook) {
    absl::MutexLock lock(&mu_);
    before_ = std::move(hook);
  }
  void AfterAnswer(Hook hook) {
    absl::MutexLock lock(&mu_);
    after_ = std::move(hook);
  }
  int questions() {
    absl::MutexLock lock(&mu_);
    return questions_;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> referenced_ ABSL_GUARDED_BY(mu_);
  int questions_ ABSL_GUARDED_BY(mu_) = 0;
  int fail_question_ ABSL_GUARDED_BY(mu_) = 0;
  Hook before_ ABSL_GUARDED_BY(mu_);
  Hook after_ ABSL_GUARDED_BY(mu_);
};

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Sets a file's modification time `age` into the past.
void Age(const std::filesystem::path& p, absl::Duration age) {
  const timespec t = absl::ToTimespec(absl::Now() - age);
  const timespec times[2] = {t, t};
  REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

// Every file under `root` (names relative to it), trash and temporary ones included.
std::set<std::string> Files(const std::filesystem::path& root) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out.insert(std::filesystem::relative(e.path(), root).string());
  }
  return out;
}

bool AnyTrash(const std::filesystem::path& root) {
  for (const std::string& f : Files(root)) {
    if (absl::StrContains(f, ".trash-")) return true;
  }
  return false;
}

class World {
 public:
  World() {
    auto store = images::FileRenditionStore::Open(dir_.path() / "images");
    REQUIRE(store.ok());
    store_ = *std::move(store);
  }

  // Stores `bytes` and returns the key; `age` back-dates the file.
  std::string Put(const std::string& bytes, absl::Duration age = absl::Hours(2),
                  OutputFormat format = OutputFormat::kWebp) {
    auto key = store_->Put(bytes, format);
    REQUIRE(key.ok());
    Age(PathOf(key->ToString()), age);
    return key->ToString();
  }

  std::filesystem::path PathOf(const std::string& key) const {
    return store_->PathOf(*images::ParseRenditionKey(key));
  }
  bool Exists(const std::string& key) const { return std::filesystem::exists(PathOf(key)); }
  const std::filesystem::path& root() const { return store_->root(); }
  images::FileRenditionStore& store() { return *store_; }
  FakeReferences& refs() { return refs_; }

  images::RenditionCollector Collector(prometheus::Registry* metrics = nullptr) {
    images::CollectorOptions options;
    options.grace = absl::Hours(1);
    return images::RenditionCollector(*store_, refs_, options, metrics);
  }

 private:
  shopcast::testing::TempDir dir_;
  std::unique_ptr<images::FileRenditionStore> store_;
  FakeReferences refs_;
};

// Writes a file by hand into the store's layout (crash leftovers).
void Plant(const std::filesystem::path& path, const std::string& bytes, absl::Duration age) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
  Age(path, age);
}

}  // namespace

TEST_CASE("rendition gc: old unreferenced files go, referenced and young ones stay") {
  World w;
  const std::string orphan = w.Put("orphaned by a failed upload");
  const std::string orphan_jpeg = w.Put("another orphan", absl::Hours(2), OutputFormat::kJpeg);
  const std::string referenced = w.Put("a listed image's rendition");
  const std::string young = w.Put("an upload still in flight", absl::Minutes(5));
  w.refs().Reference(referenced);

  prometheus::Registry registry;
  images::RenditionCollector collector = w.Collector(&registry);
  const CollectStats s = collector.Sweep();
  CHECK_FALSE(w.Exists(orphan));
  CHECK_FALSE(w.Exists(orphan_jpeg));
  CHECK(w.Exists(referenced));
  CHECK(w.Exists(young));
  CHECK(ReadFile(w.PathOf(referenced)) == "a listed image's rendition");
  CHECK(s.files_seen == 4);
  CHECK(s.candidates == 2);
  CHECK(s.deleted == 2);
  CHECK(s.bytes_freed == static_cast<int64_t>(sizeof("orphaned by a failed upload") - 1 +
                                              sizeof("another orphan") - 1));
  CHECK(s.restored == 0);
  CHECK(s.errors == 0);
  CHECK_FALSE(AnyTrash(w.root()));

  // The counters carry what the round did.
  std::map<std::string, double> counters;
  for (const auto& family : registry.Collect()) {
    counters[family.name] = family.metric.at(0).counter.value;
  }
  CHECK(counters["product_inventory_image_gc_files_deleted_total"] == 2);
  CHECK(counters["product_inventory_image_gc_bytes_freed_total"] == s.bytes_freed);
  CHECK(counters["product_inventory_image_gc_errors_total"] == 0);

  // A second round finds nothing more to do.
  const CollectStats again = collector.Sweep();
  CHECK(again.deleted == 0);
  CHECK(again.files_seen == 2);
}

TEST_CASE("rendition gc: stale temporary files go, anything else in the folder is left alone") {
  World w;
  const std::string kept = w.Put("kept");
  w.refs().Reference(kept);
  const std::filesystem::path dir = w.PathOf(kept).parent_path();
  Plant(dir / ".tmp-AbC123", "a write that died", absl::Hours(2));
  Plant(dir / ".tmp-XyZ789", "a write in progress", absl::Seconds(1));
  Plant(dir / "README", "not ours", absl::Hours(2));
  // A key in the wrong fan-out folder is not a rendition of this store.
  Plant(w.root() / "00" / (std::string(64, 'f') + ".webp"), "misplaced", absl::Hours(2));
  Plant(w.root() / "not-hex" / (std::string(64, 'a') + ".webp"), "elsewhere", absl::Hours(2));

  const CollectStats s = w.Collector().Sweep();
  CHECK(s.temp_deleted == 1);
  CHECK(s.deleted == 0);
  CHECK(s.errors == 0);
  CHECK_FALSE(std::filesystem::exists(dir / ".tmp-AbC123"));
  CHECK(std::filesystem::exists(dir / ".tmp-XyZ789"));
  CHECK(std::filesystem::exists(dir / "README"));
  CHECK(std::filesystem::exists(w.root() / "00" / (std::string(64, 'f') + ".webp")));
  CHECK(std::filesystem::exists(w.root() / "not-hex" / (std::string(64, 'a') + ".webp")));
  CHECK(w.Exists(kept));
}

TEST_CASE("rendition gc: a file referenced between the two questions survives") {
  World w;
  const std::string key = w.Put("picked up again by a new upload");

  SECTION("the reference commits before the file is moved") {
    // First answer: unreferenced. Right after it, an upload of the same picture finds the file
    // in place and commits, before the collector renames it.
    w.refs().AfterAnswer([&](int n) {
      if (n != 1) return;
      REQUIRE(w.Exists(key));
      w.refs().Reference(key);
    });
  }
  SECTION("the upload writes the file again while it is in the trash") {
    // The rename happened; the upload finds no file, writes it anew, commits; then the
    // collector asks again.
    w.refs().BeforeAnswer([&](int n) {
      if (n != 2) return;
      REQUIRE_FALSE(w.Exists(key));
      REQUIRE(AnyTrash(w.root()));
      auto written = w.store().EnsureStored("picked up again by a new upload", OutputFormat::kWebp);
      REQUIRE(written.ok());
      CHECK(*written);
      w.refs().Reference(key);
    });
  }
  const CollectStats s = w.Collector().Sweep();
  CHECK(w.refs().questions() == 2);
  CHECK(s.candidates == 1);
  CHECK(s.deleted == 0);
  CHECK(s.restored == 1);
  CHECK(s.errors == 0);
  REQUIRE(w.Exists(key));
  CHECK(ReadFile(w.PathOf(key)) == "picked up again by a new upload");
  CHECK_FALSE(AnyTrash(w.root()));
}

TEST_CASE("rendition gc: without the database's answer nothing is deleted") {
  World w;
  const std::string key = w.Put("orphan");

  SECTION("the first question fails: nothing is moved") {
    w.refs().FailQuestion(1);
    w.refs().BeforeAnswer([&](int) { CHECK(w.Exists(key)); });
    const CollectStats s = w.Collector().Sweep();
    CHECK(s.errors == 1);
    CHECK(s.candidates == 0);
  }
  SECTION("the second question fails: the trashed file goes back") {
    w.refs().FailQuestion(2);
    const CollectStats s = w.Collector().Sweep();
    CHECK(s.errors == 1);
    CHECK(s.candidates == 1);
    CHECK(s.deleted == 0);
  }
  CHECK(w.Exists(key));
  CHECK(ReadFile(w.PathOf(key)) == "orphan");
  CHECK_FALSE(AnyTrash(w.root()));

  // The next round, with the database back, removes it.
  w.refs().FailQuestion(0);
  w.refs().BeforeAnswer(nullptr);
  CHECK(w.Collector().Sweep().deleted == 1);
  CHECK_FALSE(w.Exists(key));
}

TEST_CASE("rendition gc: trash left by a collector that died is decided by a later sweep") {
  World w;
  const std::string referenced = images::Sha256Hex("still listed") + ".webp";
  const std::string orphan = images::Sha256Hex("nobody's") + ".jpg";
  const std::string recent = images::Sha256Hex("being decided right now") + ".webp";
  w.refs().Reference(referenced);
  auto trash_of = [&](const std::string& key, absl::Time at) {
    return w.root() / key.substr(0, 2) /
           absl::StrCat(".trash-", absl::ToUnixSeconds(at), "-0123456789abcdef-", key);
  };
  const absl::Time long_ago = absl::Now() - absl::Hours(3);
  const std::filesystem::path live_trash = trash_of(recent, absl::Now());
  Plant(trash_of(referenced, long_ago), "still listed", absl::Hours(3));
  Plant(trash_of(orphan, long_ago), "nobody's", absl::Hours(3));
  Plant(live_trash, "being decided right now", absl::Seconds(1));

  const CollectStats s = w.Collector().Sweep();
  CHECK(s.errors == 0);
  CHECK(s.restored == 1);
  CHECK(s.deleted == 1);
  // The referenced one is back in place; the orphan is gone; a live collector's is untouched.
  REQUIRE(w.Exists(referenced));
  CHECK(ReadFile(w.PathOf(referenced)) == "still listed");
  CHECK_FALSE(std::filesystem::exists(trash_of(referenced, long_ago)));
  CHECK_FALSE(std::filesystem::exists(trash_of(orphan, long_ago)));
  CHECK_FALSE(w.Exists(orphan));
  CHECK(std::filesystem::exists(live_trash));
}

TEST_CASE("rendition gc: Collect removes named files at once unless another row shares them") {
  World w;
  // Young files: Collect (a delete's) has no grace period.
  const std::string only_here = w.Put("the deleted image's own", absl::ZeroDuration());
  const std::string shared = w.Put("the same picture on another product", absl::ZeroDuration());
  w.refs().Reference(shared);
  const CollectStats s =
      w.Collector().Collect({only_here, shared, only_here, "../../etc/passwd", "not a key"});
  CHECK(s.files_seen == 2);
  CHECK(s.deleted == 1);
  CHECK(s.errors == 0);
  CHECK_FALSE(w.Exists(only_here));
  CHECK(w.Exists(shared));

  // A key whose file is already gone (another collector took it) is no error.
  const CollectStats gone = w.Collector().Collect({only_here});
  CHECK(gone.lost_race == 1);
  CHECK(gone.errors == 0);
}

TEST_CASE("rendition gc: two collectors over one folder delete each orphan once") {
  World w;
  constexpr int kOrphans = 40;
  constexpr int kReferenced = 10;
  std::vector<std::string> orphans;
  std::vector<std::string> referenced;
  for (int i = 0; i < kOrphans; ++i) orphans.push_back(w.Put(absl::StrCat("orphan ", i)));
  for (int i = 0; i < kReferenced; ++i) {
    referenced.push_back(w.Put(absl::StrCat("listed ", i)));
    w.refs().Reference(referenced.back());
  }
  // Both collectors list and ask their first question before either moves a file, so both
  // hold the same candidates and every rename is contested.
  // (No Catch2 assertions in these threads: it is not thread-safe.)
  std::mutex mu;
  std::condition_variable cv;
  int first_questions = 0;
  bool both_listed = true;
  std::set<std::thread::id> asked;
  w.refs().BeforeAnswer([&](int) {
    std::unique_lock<std::mutex> lock(mu);
    if (!asked.insert(std::this_thread::get_id()).second) return;
    ++first_questions;
    cv.notify_all();
    if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return first_questions == 2; })) {
      both_listed = false;
    }
  });
  images::CollectorOptions options;
  options.batch = 1000;
  images::RenditionCollector a(w.store(), w.refs(), options);
  images::RenditionCollector b(w.store(), w.refs(), options);
  CollectStats sa, sb;
  std::thread ta([&] { sa = a.Sweep(); });
  std::thread tb([&] { sb = b.Sweep(); });
  ta.join();
  tb.join();
  REQUIRE(both_listed);

  CHECK(sa.errors == 0);
  CHECK(sb.errors == 0);
  CHECK(sa.candidates == kOrphans);
  CHECK(sb.candidates == kOrphans);
  // Each orphan deleted by exactly one of them; the other found it gone.
  CHECK(sa.deleted + sb.deleted == kOrphans);
  CHECK(sa.deleted + sa.lost_race == kOrphans);
  CHECK(sb.deleted + sb.lost_race == kOrphans);
  for (const std::string& k : orphans) CHECK_FALSE(w.Exists(k));
  for (const std::string& k : referenced) CHECK(w.Exists(k));
  CHECK_FALSE(AnyTrash(w.root()));
}

TEST_CASE("rendition gc: the sweeper runs a round at start and then every interval") {
  World w;
  const std::string first = w.Put("orphan found at start");
  shopcast::timing::FakeSteadyClock clock;
  images::RenditionCollector collector = w.Collector();
  images::RenditionSweeper sweeper(collector, absl::Minutes(15), clock);
  sweeper.Start();
  REQUIRE(shopcast::testing::WaitUntil([&] { return sweeper.rounds() >= 1; }, absl::Seconds(30)));
  CHECK_FALSE(w.Exists(first));

  const std::string second = w.Put("orphan of a later failure");
  CHECK(sweeper.rounds() == 1);  // time stands still: no second round yet
  clock.Advance(absl::Minutes(15));
  REQUIRE(shopcast::testing::WaitUntil([&] { return sweeper.rounds() >= 2; }, absl::Seconds(30)));
  CHECK_FALSE(w.Exists(second));
  sweeper.Stop();
  sweeper.Stop();  // idempotent
}
