#pragma once

// Product-type parameter schemas as data: checking a schema an admin writes, and checking a
// product's parameters against the schema of its type. Pure: no database, no gRPC.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "catalog/violations.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"

namespace shopcast::product_inventory::catalog {

inline constexpr int kMaxParameters = 50;
inline constexpr int kDefaultTextMaxLength = 200;

// Fills defaults a schema leaves unset (TEXT max_length 0 -> 200). Before ValidateProductType.
void NormalizeProductType(v1::ProductType& type);

// Checks name, description, parameter specs and sale modes of `type`; violations on
// "<prefix>.name", "<prefix>.parameters[<i>].key", … with reasons PRODUCT_TYPE_NAME_INVALID,
// DESCRIPTION_TOO_LONG, TOO_MANY_PARAMETERS, PARAMETER_KEY_INVALID, PARAMETER_KEY_DUPLICATE,
// PARAMETER_LABEL_INVALID, PARAMETER_KIND_INVALID, PARAMETER_LENGTH_INVALID,
// PARAMETER_PATTERN_INVALID, PARAMETER_RANGE_INVALID, PARAMETER_CHOICES_INVALID,
// PARAMETER_TEXT_TOO_LONG, SALE_MODE_INVALID.
void ValidateProductType(const v1::ProductType& type, absl::string_view prefix, Violations& out);

// Checks `parameters` against `type`'s specs; violations on "<prefix>[<key>]" with reasons
// PARAMETER_UNKNOWN, PARAMETER_REQUIRED, PARAMETER_TYPE_MISMATCH, PARAMETER_TOO_SHORT,
// PARAMETER_TOO_LONG, PARAMETER_TEXT_INVALID, PARAMETER_PATTERN_MISMATCH,
// PARAMETER_OUT_OF_RANGE, PARAMETER_NOT_A_CHOICE, PARAMETER_NOT_A_DECIMAL,
// PARAMETER_TOO_PRECISE, PARAMETER_CURRENCY_MISMATCH: in the specs' order, then unknown keys
// sorted.
void ValidateParameters(const v1::ProductType& type,
                        const google::protobuf::Map<std::string, v1::ParameterValue>& parameters,
                        absl::string_view prefix, Violations& out);

// A decimal text "-?[0-9]{1,12}(\.[0-9]{1,9})?" as an integer of 10^-9 units, and the digits
// after its point; nullopt if malformed.
struct Decimal {
  int64_t nanos = 0;
  int places = 0;
};
std::optional<Decimal> ParseDecimal(absl::string_view text);

}  // namespace shopcast::product_inventory::catalog
