// The rendition collector against real PostgreSQL and real uploads through the App: the
// generated rendition_keys column, a failed upload's files swept while every referenced file
// stays, the App's own sweeper, DeleteProductImage removing unshared files at once, the race of
// a file referenced again between the collector's two questions (before and after its move),
// an upload whose files were taken before its commit writing them again, and two collectors
// over one folder.

#include <catch2/catch.hpp>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "images/rendition_gc.h"
#include "images_client.h"
#include "product_images/product_images_sql.h"
#include "product_images/rendition_references.h"
#include "shopcast/db/pool.h"
#include "shopcast/testing/wait.h"

namespace shopcast::product_inventory::testing {
namespace {

using Hook = std::function<void(int question)>;

// The database's answers with a test's hooks around them (the n-th question, from 1).
class HookedReferences final : public img::RenditionReferences {
 public:
  explicit HookedReferences(db::Pool& pool) : real_(pool) {}
  absl::StatusOr<absl::flat_hash_set<std::string>> Referenced(
      const std::vector<std::string>& keys) override {
    const int n = ++questions_;
    if (before) before(n);
    auto out = real_.Referenced(keys);
    if (after) after(n);
    return out;
  }
  Hook before;
  Hook after;

 private:
  product_images::PgRenditionReferences real_;
  std::atomic<int> questions_{0};
};

// An ImagesWorld with collectors of its own over the replica's folder and database. Their
// clock runs two hours ahead, so every file is past the one-hour grace period.
class GcWorld : public ImagesWorld {
 public:
  explicit GcWorld(const ConfigEdit& edit = nullptr, const AppOverrides& overrides = {})
      : ImagesWorld(edit, overrides) {
    auto pool = db::Pool::Create(db::PoolOptions{f().dsn(), 4, absl::Seconds(10),
                                                 product_images::sql::PreparedStatements(),
                                                 "rendition-gc-test"});
    if (!pool.ok()) throw std::runtime_error(pool.status().ToString());
    pool_ = *std::move(pool);
    auto store = img::FileRenditionStore::Open(root());
    if (!store.ok()) throw std::runtime_error(store.status().ToString());
    store_ = *std::move(store);
    refs_ = std::make_unique<HookedReferences>(*pool_);
  }

  img::RenditionCollector Collector(img::RenditionReferences* refs = nullptr) {
    img::CollectorOptions options;
    options.now = [] { return absl::Now() + absl::Hours(2); };
    return img::RenditionCollector(*store_, refs != nullptr ? *refs : *refs_, options);
  }
  HookedReferences& refs() { return *refs_; }
  db::Pool& pool() { return *pool_; }
  img::FileRenditionStore& store() { return *store_; }

  bool Exists(const std::string& key) const { return std::filesystem::exists(PathOf(key)); }
  std::filesystem::path PathOf(const std::string& key) const {
    return root() / key.substr(0, 2) / key;
  }
  // Each key's file is there and its bytes hash to the key (read back through the API).
  void CheckServed(const std::vector<std::string>& keys) {
    for (const std::string& key : keys) {
      INFO(key);
      auto served = Serve(key);
      REQUIRE(served.status.ok());
      CHECK(img::Sha256Hex(served.response.content()) == key.substr(0, 64));
    }
  }

 private:
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<img::FileRenditionStore> store_;
  std::unique_ptr<HookedReferences> refs_;
};

std::vector<std::string> KeysOf(const pb::ProductImage& image) {
  std::vector<std::string> keys;
  for (const pb::ImageRendition& r : image.renditions()) keys.push_back(r.key());
  return keys;
}

// Files an image's renditions take: sizes the picture is too small for repeat the same bytes,
// which the content-addressed store keeps once.
int FilesOf(const pb::ProductImage& image) {
  const std::vector<std::string> keys = KeysOf(image);
  return static_cast<int>(std::set<std::string>(keys.begin(), keys.end()).size());
}

std::set<std::string> TrashFiles(const std::filesystem::path& root) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(".trash-", 0) == 0 || name.rfind(".tmp-", 0) == 0) out.insert(name);
  }
  return out;
}

TEST_CASE("rendition gc: rendition_keys is generated from each row's body") {
  GcWorld w;
  const pb::Product product = w.NewProduct("p1");
  for (int i = 0; i < 2; ++i) {
    auto up = w.Upload(w.c().host(), product.id(),
                       img::testing::MakeImage(img::SourceFormat::kPng, 90 + i, 60));
    REQUIRE(up.status.ok());
    pqxx::connection conn(w.f().dsn());
    pqxx::work tx(conn);
    const std::string keys = tx.exec_params1(
                                   "SELECT array_to_string(rendition_keys, ',') FROM "
                                   "product_images WHERE id = $1",
                                   up.response.image().id())[0]
                                 .as<std::string>();
    const std::vector<std::string> want = KeysOf(up.response.image());
    CHECK(std::set<std::string>(absl::StrSplit(keys, ',')) ==
          std::set<std::string>(want.begin(), want.end()));
  }
}

TEST_CASE("rendition gc: a failed upload's files are swept, every referenced file stays") {
  // The product is archived while the second upload decodes: its renditions are written, its
  // transaction refuses, and its files are left behind unreferenced.
  std::atomic<bool> archive{false};
  std::string product_id;
  GcWorld* world = nullptr;
  AppOverrides overrides;
  overrides.image_stored = [&](const std::vector<std::string>&) {
    if (!archive.load()) return;
    pb::ArchiveProductRequest req;
    req.set_product_id(product_id);
    // (Checked by the upload's answer below: PRODUCT_ARCHIVED only if this worked.)
    (void)world->c().Call(&Stub::ArchiveProduct, world->c().host(), req);
  };
  GcWorld w(nullptr, overrides);
  world = &w;
  const pb::Product product = w.NewProduct("p1");
  product_id = product.id();
  auto kept = w.Upload(w.c().host(), product.id(),
                       img::testing::MakeImage(img::SourceFormat::kJpeg, 120, 90));
  REQUIRE(kept.status.ok());
  const int kept_files = FilesOf(kept.response.image());
  REQUIRE(w.FileCount() == kept_files);
  archive = true;
  auto failed = w.Upload(w.c().host(), product.id(),
                         img::testing::MakeImage(img::SourceFormat::kPng, 150, 100));
  CHECK(failed.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(failed.status) == "PRODUCT_ARCHIVED");
  CHECK(w.Rows() == 1);
  const int all_files = w.FileCount();
  CHECK(all_files > kept_files);  // the failed upload's renditions stayed behind

  const img::CollectStats s = w.Collector().Sweep();
  CHECK(s.errors == 0);
  CHECK(s.files_seen == all_files);
  CHECK(s.deleted == all_files - kept_files);
  CHECK(s.bytes_freed > 0);
  CHECK(w.FileCount() == kept_files);
  for (const std::string& key : KeysOf(kept.response.image())) CHECK(w.Exists(key));
  w.CheckServed(KeysOf(kept.response.image()));
}

TEST_CASE("rendition gc: each replica's sweeper removes old orphans by itself") {
  GcWorld w([](Config& c) {
    c.image_gc_interval = absl::Milliseconds(100);
    c.image_gc_grace = absl::Minutes(1);
  });
  const pb::Product product = w.NewProduct("p1");
  auto up = w.Upload(w.c().host(), product.id(),
                     img::testing::MakeImage(img::SourceFormat::kWebp, 100, 100));
  REQUIRE(up.status.ok());
  // An old orphan (as a crash between write and commit would leave), and the listed image's
  // files made just as old: age alone never condemns a file.
  auto orphan =
      w.store().Put("rendition bytes of an upload that never committed", img::OutputFormat::kJpeg);
  REQUIRE(orphan.ok());
  const auto two_hours_ago = std::filesystem::file_time_type::clock::now() - std::chrono::hours(2);
  std::filesystem::last_write_time(w.PathOf(orphan->ToString()), two_hours_ago);
  for (const std::string& key : KeysOf(up.response.image())) {
    std::filesystem::last_write_time(w.PathOf(key), two_hours_ago);
  }
  REQUIRE(shopcast::testing::WaitUntil([&] { return !w.Exists(orphan->ToString()); },
                                       absl::Seconds(30)));
  for (const std::string& key : KeysOf(up.response.image())) CHECK(w.Exists(key));
  w.CheckServed(KeysOf(up.response.image()));
}

TEST_CASE("rendition gc: DeleteProductImage removes the files at once unless shared") {
  GcWorld w;
  const pb::Product p1 = w.NewProduct("p1");
  const pb::Product p2 = w.NewProduct("p2");
  const std::string shared_picture = img::testing::MakeImage(img::SourceFormat::kJpeg, 130, 70);
  auto on_p1 = w.Upload(w.c().host(), p1.id(), shared_picture);
  auto on_p2 = w.Upload(w.c().host(), p2.id(), shared_picture);
  auto own =
      w.Upload(w.c().host(), p1.id(), img::testing::MakeImage(img::SourceFormat::kPng, 140, 70));
  REQUIRE(on_p1.status.ok());
  REQUIRE(on_p2.status.ok());
  REQUIRE(own.status.ok());
  // The same picture makes the same files: content-addressed, shared by both rows.
  CHECK(KeysOf(on_p1.response.image()) == KeysOf(on_p2.response.image()));
  const int shared_files = FilesOf(on_p1.response.image());
  CHECK(w.FileCount() == shared_files + FilesOf(own.response.image()));

  auto remove = [&](const pb::Product& p, const pb::UploadProductImageResponse& r) {
    pb::DeleteProductImageRequest del;
    del.set_product_id(p.id());
    del.set_image_id(r.image().id());
    auto d = w.c().Call(&Stub::DeleteProductImage, w.c().host(), del);
    REQUIRE(d.status.ok());
  };
  // Its own files go as the call answers, without waiting for any grace period.
  remove(p1, own.response);
  for (const std::string& key : KeysOf(own.response.image())) CHECK_FALSE(w.Exists(key));
  CHECK(w.FileCount() == shared_files);
  // The shared picture's files stay while another product still shows it...
  remove(p1, on_p1.response);
  CHECK(w.FileCount() == shared_files);
  w.CheckServed(KeysOf(on_p2.response.image()));
  // ...and go with the last image naming them.
  remove(p2, on_p2.response);
  CHECK(w.FileCount() == 0);
  CHECK(TrashFiles(w.root()).empty());
}

TEST_CASE("rendition gc: a file referenced between the collector's two questions survives") {
  GcWorld w;
  const pb::Product p0 = w.NewProduct("p0");
  const pb::Product p1 = w.NewProduct("p1");
  const std::string picture = img::testing::MakeImage(img::SourceFormat::kPng, 160, 120);
  // Orphans as a crash after a delete's commit would leave them: the row gone, the files not.
  auto first = w.Upload(w.c().host(), p0.id(), picture);
  REQUIRE(first.status.ok());
  const std::vector<std::string> keys = KeysOf(first.response.image());
  {
    pqxx::connection conn(w.f().dsn());
    pqxx::work tx(conn);
    tx.exec0("DELETE FROM product_images");
    tx.commit();
  }
  const int files = FilesOf(first.response.image());
  REQUIRE(w.FileCount() == files);

  // Meanwhile a host uploads the same picture to another product: a row naming those very files
  // commits after the collector found them unreferenced.
  Result<pb::UploadProductImageResponse> again;
  auto upload_again = [&] { again = w.Upload(w.c().host(), p1.id(), picture); };
  SECTION("committed before the collector moves the files") {
    w.refs().after = [&](int n) {
      if (n != 1) return;
      for (const std::string& key : keys) REQUIRE(w.Exists(key));  // found in place
      upload_again();
    };
  }
  SECTION("committed while the files are in the trash") {
    w.refs().before = [&](int n) {
      if (n != 2) return;
      for (const std::string& key : keys) REQUIRE_FALSE(w.Exists(key));  // moved away
      upload_again();
    };
  }
  const img::CollectStats s = w.Collector().Sweep();
  REQUIRE(again.status.ok());
  CHECK(KeysOf(again.response.image()) == keys);
  CHECK(s.candidates == files);
  CHECK(s.deleted == 0);
  CHECK(s.restored == files);
  CHECK(s.errors == 0);
  CHECK(w.Rows() == 1);
  CHECK(w.FileCount() == files);
  CHECK(TrashFiles(w.root()).empty());
  w.CheckServed(keys);
}

TEST_CASE("rendition gc: an upload whose files were taken before its commit writes them again") {
  // A collector runs between the upload's writes and its commit, when no row names the files:
  // it deletes them. The upload checks after its commit and writes them back.
  GcWorld* world = nullptr;
  std::atomic<int64_t> deleted_before_commit{-1};
  AppOverrides overrides;
  overrides.image_stored = [&](const std::vector<std::string>& keys) {
    deleted_before_commit = world->Collector().Collect(keys).deleted;
  };
  GcWorld w(nullptr, overrides);
  world = &w;
  const pb::Product product = w.NewProduct("p1");
  auto up = w.Upload(w.c().host(), product.id(),
                     img::testing::MakeImage(img::SourceFormat::kJpeg, 110, 110));
  REQUIRE(up.status.ok());
  const int files = FilesOf(up.response.image());
  CHECK(deleted_before_commit.load() == files);
  CHECK(w.FileCount() == files);
  w.CheckServed(KeysOf(up.response.image()));
  // And a sweep now keeps them: they are referenced.
  CHECK(w.Collector().Sweep().deleted == 0);
  CHECK(w.FileCount() == files);
}

TEST_CASE("rendition gc: two collectors over one folder delete each orphan once") {
  GcWorld w;
  const pb::Product product = w.NewProduct("p1");
  auto up = w.Upload(w.c().host(), product.id(),
                     img::testing::MakeImage(img::SourceFormat::kPng, 100, 80));
  REQUIRE(up.status.ok());
  constexpr int kOrphans = 60;
  std::vector<std::string> orphans;
  for (int i = 0; i < kOrphans; ++i) {
    auto key = w.store().Put(absl::StrCat("orphaned rendition ", i), img::OutputFormat::kWebp);
    REQUIRE(key.ok());
    orphans.push_back(key->ToString());
  }
  // Both list and ask their first question before either moves a file, so every rename is
  // contested. (No Catch2 assertions in the threads.)
  std::mutex mu;
  std::condition_variable cv;
  int listed = 0;
  bool both_listed = true;
  Hook meet = [&](int n) {
    if (n != 1) return;
    std::unique_lock<std::mutex> lock(mu);
    ++listed;
    cv.notify_all();
    if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return listed == 2; })) {
      both_listed = false;
    }
  };
  HookedReferences refs_a(w.pool());
  HookedReferences refs_b(w.pool());
  refs_a.before = meet;
  refs_b.before = meet;
  img::RenditionCollector a = w.Collector(&refs_a);
  img::RenditionCollector b = w.Collector(&refs_b);
  img::CollectStats sa, sb;
  std::thread ta([&] { sa = a.Sweep(); });
  std::thread tb([&] { sb = b.Sweep(); });
  ta.join();
  tb.join();
  REQUIRE(both_listed);
  CHECK(sa.errors == 0);
  CHECK(sb.errors == 0);
  CHECK(sa.deleted + sb.deleted == kOrphans);
  CHECK(sa.deleted + sa.lost_race == kOrphans);
  CHECK(sb.deleted + sb.lost_race == kOrphans);
  for (const std::string& key : orphans) CHECK_FALSE(w.Exists(key));
  CHECK(w.FileCount() == FilesOf(up.response.image()));
  w.CheckServed(KeysOf(up.response.image()));
  CHECK(TrashFiles(w.root()).empty());
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
