#include "lottery/lottery_drawer.h"

#include "common/due_rounds.h"

namespace shopcast::product_inventory::lottery {

LotteryDrawer::LotteryDrawer(LotteryStore& store, absl::Duration interval)
    : store_(store), worker_(interval, [this] { return Round(); }) {}

LotteryDrawer::~LotteryDrawer() { Stop(); }

bool LotteryDrawer::Round() {
  return HandleAllDue(
      worker_, [this] { return store_.DrawOneDue(); }, "lottery_draw_failed");
}

}  // namespace shopcast::product_inventory::lottery
