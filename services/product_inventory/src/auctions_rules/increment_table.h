#pragma once

// The bid increment table: how much the next bid must add, by the band the current price is
// in (eBay and Whatnot publish one; a seller may bring their own).

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"

namespace shopcast::product_inventory::auctions_rules {

// While the current price is below `below_minor`, the next bid must add `increment_minor`.
// The last step has no bound and applies to every higher price.
struct IncrementStep {
  std::optional<int64_t> below_minor;
  int64_t increment_minor = 0;

  friend bool operator==(const IncrementStep&, const IncrementStep&) = default;
};

class IncrementTable {
 public:
  static constexpr size_t kMaxSteps = 10;

  // Checks and builds a table: 1..kMaxSteps steps; bounds positive and strictly ascending; only
  // the last step unbounded; increments 1..kMaxAmountMinor and never smaller than an earlier
  // step's (a dearer lot never moves in smaller steps, which keeps proxy prices monotone).
  // INVALID_ARGUMENT/INCREMENT_TABLE_INVALID on "increments" or "increments[i]" otherwise.
  static absl::StatusOr<IncrementTable> Create(std::vector<IncrementStep> steps);

  // The platform's table, in minor units (eBay's US table):
  // <1.00: 0.05, <5.00: 0.25, <25.00: 0.50, <100.00: 1, <250.00: 2.50, <500.00: 5,
  // <1000.00: 10, <2500.00: 25, <5000.00: 50, above: 100.
  static IncrementTable Default();

  // The step a bid over `price_minor` must add; > 0.
  int64_t IncrementAt(int64_t price_minor) const;

  const std::vector<IncrementStep>& steps() const { return steps_; }

 private:
  explicit IncrementTable(std::vector<IncrementStep> steps) : steps_(std::move(steps)) {}

  std::vector<IncrementStep> steps_;
};

}  // namespace shopcast::product_inventory::auctions_rules
