#include "auctions_rules/increment_table.h"

#include "absl/strings/str_cat.h"
#include "auctions_rules/money.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::auctions_rules {
namespace {

absl::Status Invalid(std::string field, absl::string_view message) {
  return InvalidArgument(field, "INCREMENT_TABLE_INVALID", message);
}

}  // namespace

absl::StatusOr<IncrementTable> IncrementTable::Create(std::vector<IncrementStep> steps) {
  if (steps.empty() || steps.size() > kMaxSteps) {
    return Invalid("increments", absl::StrCat("an increment table has 1..", kMaxSteps, " steps"));
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    const IncrementStep& step = steps[i];
    const std::string field = absl::StrCat("increments[", i, "]");
    const bool last = i + 1 == steps.size();
    if (step.increment_minor < 1 || step.increment_minor > kMaxAmountMinor) {
      return Invalid(field, "every increment must be positive");
    }
    if (last && step.below_minor.has_value()) {
      return Invalid(field, "the last step must have no upper bound");
    }
    if (!last && !step.below_minor.has_value()) {
      return Invalid(field, "only the last step may have no upper bound");
    }
    if (step.below_minor && (*step.below_minor < 1 || *step.below_minor > kMaxAmountMinor)) {
      return Invalid(field, "a step's bound must be positive");
    }
    if (i > 0) {
      const IncrementStep& prev = steps[i - 1];
      if (step.below_minor && *step.below_minor <= *prev.below_minor) {
        return Invalid(field, "step bounds must be strictly ascending");
      }
      if (step.increment_minor < prev.increment_minor) {
        return Invalid(field, "a step's increment must not be smaller than an earlier step's");
      }
    }
  }
  return IncrementTable(std::move(steps));
}

IncrementTable IncrementTable::Default() {
  return IncrementTable({{100, 5},
                         {500, 25},
                         {2'500, 50},
                         {10'000, 100},
                         {25'000, 250},
                         {50'000, 500},
                         {100'000, 1'000},
                         {250'000, 2'500},
                         {500'000, 5'000},
                         {std::nullopt, 10'000}});
}

int64_t IncrementTable::IncrementAt(int64_t price_minor) const {
  for (const IncrementStep& step : steps_) {
    if (!step.below_minor || price_minor < *step.below_minor) return step.increment_minor;
  }
  // Create() guarantees an unbounded last step.
  return steps_.back().increment_minor;
}

}  // namespace shopcast::product_inventory::auctions_rules
