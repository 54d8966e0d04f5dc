#pragma once

// Amounts in minor units (the contract's Money.amount_minor) written for people: "11.50 USD",
// "1500 JPY", "1.250 KWD". Every service that puts a price into text (a notification, an
// e-mail, a playlist's X-PRICE) writes it the same way.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace shopcast::money {

// Digits after the decimal point of `currency` (ISO 4217's minor unit: 0 for JPY, KRW, …, 3 for
// BHD, KWD, …); 2 for every other code, known or not.
int MinorDigits(absl::string_view currency);

// `amount_minor` of `currency` with its decimals and the code: "11.50 USD", "-2.50 EUR",
// "1500 JPY".
std::string AmountText(int64_t amount_minor, absl::string_view currency);

}  // namespace shopcast::money
