#include "shopcast/money/money.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>

namespace shopcast::money {
namespace {

TEST_CASE("money: amounts read with their currency's decimals") {
  CHECK(AmountText(1150, "USD") == "11.50 USD");
  CHECK(AmountText(5, "EUR") == "0.05 EUR");
  CHECK(AmountText(0, "GBP") == "0.00 GBP");
  CHECK(AmountText(-250, "USD") == "-2.50 USD");
  CHECK(AmountText(1500, "JPY") == "1500 JPY");
  CHECK(AmountText(1250, "KWD") == "1.250 KWD");
  CHECK(AmountText(7, "XYZ") == "0.07 XYZ");  // unknown: two decimals
  CHECK(AmountText(std::numeric_limits<int64_t>::min(), "USD") == "-92233720368547758.08 USD");
}

TEST_CASE("money: minor digits per ISO 4217") {
  CHECK(MinorDigits("USD") == 2);
  CHECK(MinorDigits("JPY") == 0);
  CHECK(MinorDigits("KRW") == 0);
  CHECK(MinorDigits("BHD") == 3);
  CHECK(MinorDigits("usd") == 2);  // codes are upper case; anything else reads as two
}

}  // namespace
}  // namespace shopcast::money
