// IMAGE_UPLOADS_BUSY: with every decoding slot of a replica taken (one here, held in flight by
// a hook, not by timing), another upload is refused at once with RESOURCE_EXHAUSTED and stores
// nothing: no row, no file, no version bump, no room event.

#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "images_client.h"

namespace shopcast::product_inventory::testing {
namespace {

// Holds the first upload inside its decoding slot until released.
class DecodeLatch {
 public:
  void Hold() {
    std::unique_lock<std::mutex> lock(mu_);
    if (entered_) return;  // only the first decode is held
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_; });
  }
  bool WaitEntered() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return entered_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool released_ = false;
};

TEST_CASE(
    "product_images: a full replica refuses uploads with IMAGE_UPLOADS_BUSY, storing nothing") {
  DecodeLatch latch;
  AppOverrides overrides;
  overrides.image_decoding = [&] { latch.Hold(); };
  ImagesWorld w([](Config& c) { c.image_max_concurrent = 1; }, overrides);
  const std::string stream = w.f().AddStream("usr_host");
  const pb::Product product = w.NewProduct("p1", stream);
  // Only the event an upload writes: the stock coalescer announces the new product's stock on
  // its own schedule, so a count of every outbox row would race it.
  const std::string updated_events =
      "SELECT count(*) FROM outbox WHERE type = 'product_inventory.product_updated'";
  const int64_t events_before = w.f().Count(updated_events);

  Result<pb::UploadProductImageResponse> held;
  std::thread first([&] {
    held = w.Upload(w.c().host(), product.id(),
                    img::testing::MakeImage(img::SourceFormat::kJpeg, 120, 80));
  });
  // Release the held decode however this test ends, so the thread can be joined.
  struct Joiner {
    DecodeLatch& latch;
    std::thread& thread;
    ~Joiner() {
      latch.Release();
      if (thread.joinable()) thread.join();
    }
  } joiner{latch, first};
  REQUIRE(latch.WaitEntered());

  // The only slot is taken: refused at once, with the reason a client backs off on.
  auto busy = w.Upload(w.c().host(), product.id(),
                       img::testing::MakeImage(img::SourceFormat::kPng, 90, 90));
  CHECK(busy.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(ReasonOf(busy.status) == "IMAGE_UPLOADS_BUSY");
  // Nothing of it stored (the held one has not decoded yet, so the folder is still empty).
  CHECK(w.Rows() == 0);
  CHECK(w.FileCount() == 0);
  CHECK(w.Get(product.id()).version() == product.version());
  CHECK(w.f().Count(updated_events) == events_before);

  // Once the held upload finishes, the slot is free again; only its files and row exist.
  latch.Release();
  first.join();
  REQUIRE(held.status.ok());
  CHECK(w.Rows() == 1);
  // Only the held upload's files (one per distinct rendition).
  std::set<std::string> keys;
  for (const pb::ImageRendition& r : held.response.image().renditions()) keys.insert(r.key());
  CHECK(w.FileCount() == static_cast<int>(keys.size()));
  CHECK(w.Get(product.id()).version() == product.version() + 1);
  CHECK(w.f().Count(updated_events) == events_before + 1);
  auto after = w.Upload(w.c().host(), product.id(),
                        img::testing::MakeImage(img::SourceFormat::kPng, 90, 90));
  CHECK(after.status.ok());
  CHECK(w.Rows() == 2);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
