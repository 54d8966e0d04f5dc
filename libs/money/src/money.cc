#include "shopcast/money/money.h"

#include "absl/strings/str_cat.h"

namespace shopcast::money {

int MinorDigits(absl::string_view currency) {
  static constexpr absl::string_view kZero[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                                "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                                                "VND", "VUV", "XAF", "XOF", "XPF"};
  static constexpr absl::string_view kThree[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
  for (absl::string_view z : kZero) {
    if (z == currency) return 0;
  }
  for (absl::string_view t : kThree) {
    if (t == currency) return 3;
  }
  return 2;
}

std::string AmountText(int64_t amount_minor, absl::string_view currency) {
  const size_t digits = static_cast<size_t>(MinorDigits(currency));
  // The magnitude as unsigned, so the most negative amount has one too.
  const uint64_t magnitude = amount_minor < 0 ? uint64_t{0} - static_cast<uint64_t>(amount_minor)
                                              : static_cast<uint64_t>(amount_minor);
  std::string number = absl::StrCat(magnitude);
  if (digits > 0) {
    if (number.size() <= digits) number.insert(0, digits + 1 - number.size(), '0');
    number.insert(number.size() - digits, ".");
  }
  return absl::StrCat(amount_minor < 0 ? "-" : "", number, " ", currency);
}

}  // namespace shopcast::money
