#include "shopcast/server/executor.h"

#include <atomic>
#include <catch2/catch.hpp>

#include "absl/synchronization/notification.h"

TEST_CASE("executor runs every accepted task, including those queued at shutdown") {
  std::atomic<int> ran{0};
  shopcast::server::Executor ex(2, 100);
  for (int i = 0; i < 50; ++i) REQUIRE(ex.TrySubmit([&] { ran++; }));
  ex.Shutdown();
  CHECK(ran == 50);
  CHECK_FALSE(ex.TrySubmit([] {}));
}

TEST_CASE("executor refuses work beyond its queue bound instead of growing") {
  shopcast::server::Executor ex(1, 2);
  absl::Notification release;
  absl::Notification started;
  REQUIRE(ex.TrySubmit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();  // the only worker is now busy
  CHECK(ex.TrySubmit([] {}));
  CHECK(ex.TrySubmit([] {}));
  CHECK_FALSE(ex.TrySubmit([] {}));  // queue of 2 is full
  CHECK(ex.queued() == 2);
  release.Notify();
  ex.Shutdown();
}
