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
  if (digits == 0) return absl::StrCat(amount_minor < 0 ? "-" : "", number, " ", currency);
  // At least one whole digit. Built with StrCat rather than std::string::insert, which GCC 12's
  // optimiser flags (a false -Wrestrict) in the release build.
  if (number.size() <= digits) {
    number = absl::StrCat(std::string(digits + 1 - number.size(), '0'), number);
  }
  const absl::string_view all(number);
  const size_t whole = all.size() - digits;
  return absl::StrCat(amount_minor < 0 ? "-" : "", all.substr(0, whole), ".", all.substr(whole),
                      " ", currency);
}

}  // namespace shopcast::money
