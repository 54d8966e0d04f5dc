#include "catalog/schema.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "re2/re2.h"
#include "shopcast/text/utf8.h"
#include "shopcast/text/visible.h"

namespace shopcast::product_inventory::catalog {
namespace {

constexpr int kMaxPatternBytes = 200;
// RE2 runs in linear time; the memory cap keeps an admin's pattern from costing much either.
constexpr int64_t kPatternMaxMem = 1 << 20;

bool ValidKey(absl::string_view key) {
  if (key.empty() || key.size() > 40 || !absl::ascii_islower(key[0])) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
  });
}

// 1..max code points of visible, single-line text.
bool ValidLabel(absl::string_view s, int64_t max, bool allow_empty = false) {
  const int64_t n = text::CodePointCount(s);
  if (n < 0 || n > max) return false;
  if (n == 0) return allow_empty;
  return text::CheckUserText(s) == text::TextProblem::kNone;
}

std::unique_ptr<RE2> Compile(absl::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kPatternMaxMem);
  return std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
}

bool ValidMoney(const common::v1::Money& m) {
  return m.currency().size() == 3 && std::all_of(m.currency().begin(), m.currency().end(),
                                                 [](char c) { return c >= 'A' && c <= 'Z'; });
}

void CheckSpec(const v1::ParameterSpec& spec, const std::string& at, Violations& out) {
  if (!ValidKey(spec.key())) {
    out.Add(at + ".key", "PARAMETER_KEY_INVALID",
            "a parameter key is 1..40 characters of a-z, 0-9 and _, starting with a letter");
  }
  if (!ValidLabel(spec.label(), 60)) {
    out.Add(at + ".label", "PARAMETER_LABEL_INVALID", "a label is 1..60 visible characters");
  }
  if (!ValidLabel(spec.help_text(), 200, true)) {
    out.Add(at + ".help_text", "PARAMETER_TEXT_TOO_LONG", "help text is 0..200 characters");
  }
  if (!ValidLabel(spec.unit(), 10, true)) {
    out.Add(at + ".unit", "PARAMETER_TEXT_TOO_LONG", "a unit is 0..10 characters");
  }
  switch (spec.kind()) {
    case v1::PARAMETER_KIND_TEXT: {
      if (spec.max_length() < 1 || spec.max_length() > 1000 || spec.min_length() < 0 ||
          spec.min_length() > spec.max_length()) {
        out.Add(at + ".max_length", "PARAMETER_LENGTH_INVALID",
                "max_length must be 1..1000 and min_length 0..max_length");
      }
      if (!spec.pattern().empty()) {
        if (spec.pattern().size() > kMaxPatternBytes || !Compile(spec.pattern())->ok()) {
          out.Add(at + ".pattern", "PARAMETER_PATTERN_INVALID",
                  "pattern must be a valid RE2 expression of at most 200 bytes");
        }
      }
      break;
    }
    case v1::PARAMETER_KIND_INTEGER:
      if (!(spec.min_value() == 0 && spec.max_value() == 0) &&
          spec.min_value() > spec.max_value()) {
        out.Add(at + ".min_value", "PARAMETER_RANGE_INVALID",
                "min_value must not exceed max_value");
      }
      break;
    case v1::PARAMETER_KIND_BOOLEAN:
      break;
    case v1::PARAMETER_KIND_CHOICE: {
      std::set<std::string> seen;
      bool ok = spec.choices_size() >= 1 && spec.choices_size() <= 100;
      for (const std::string& c : spec.choices()) {
        if (!ValidLabel(c, 60) || !seen.insert(c).second) ok = false;
      }
      if (!ok) {
        out.Add(at + ".choices", "PARAMETER_CHOICES_INVALID",
                "choices are 1..100 distinct values of 1..60 visible characters");
      }
      break;
    }
    case v1::PARAMETER_KIND_MONEY: {
      const bool has_min = spec.has_min_money();
      const bool has_max = spec.has_max_money();
      if ((has_min && !ValidMoney(spec.min_money())) ||
          (has_max && !ValidMoney(spec.max_money())) ||
          (has_min && has_max &&
           (spec.min_money().currency() != spec.max_money().currency() ||
            spec.min_money().amount_minor() > spec.max_money().amount_minor()))) {
        out.Add(at + ".min_money", "PARAMETER_RANGE_INVALID",
                "min_money and max_money must share a currency and be in order");
      }
      break;
    }
    case v1::PARAMETER_KIND_DECIMAL: {
      if (spec.decimal_places() < 0 || spec.decimal_places() > 9) {
        out.Add(at + ".decimal_places", "PARAMETER_RANGE_INVALID", "decimal_places must be 0..9");
      }
      std::optional<Decimal> lo, hi;
      bool ok = true;
      if (!spec.min_decimal().empty() && !(lo = ParseDecimal(spec.min_decimal()))) ok = false;
      if (!spec.max_decimal().empty() && !(hi = ParseDecimal(spec.max_decimal()))) ok = false;
      if (lo && hi && lo->nanos > hi->nanos) ok = false;
      if (!ok) {
        out.Add(at + ".min_decimal", "PARAMETER_RANGE_INVALID",
                "min_decimal and max_decimal must be decimal numbers in order");
      }
      break;
    }
    default:
      out.Add(at + ".kind", "PARAMETER_KIND_INVALID",
              "kind must be one of the ParameterKind values");
  }
}

std::string Key(absl::string_view prefix, absl::string_view key) {
  return absl::StrCat(prefix, "[", key, "]");
}

}  // namespace

std::optional<Decimal> ParseDecimal(absl::string_view text) {
  Decimal d;
  size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++i;
  int64_t whole = 0;
  int whole_digits = 0;
  while (i < text.size() && absl::ascii_isdigit(text[i])) {
    whole = whole * 10 + (text[i] - '0');
    ++whole_digits;
    ++i;
  }
  if (whole_digits < 1 || whole_digits > 12) return std::nullopt;
  int64_t frac = 0;
  if (i < text.size()) {
    if (text[i] != '.') return std::nullopt;
    ++i;
    while (i < text.size() && absl::ascii_isdigit(text[i])) {
      if (d.places == 9) return std::nullopt;
      frac = frac * 10 + (text[i] - '0');
      ++d.places;
      ++i;
    }
    if (d.places == 0 || i != text.size()) return std::nullopt;
  }
  for (int p = d.places; p < 9; ++p) frac *= 10;
  d.nanos = whole * 1'000'000'000 + frac;
  if (negative) d.nanos = -d.nanos;
  return d;
}

void NormalizeProductType(v1::ProductType& type) {
  for (v1::ParameterSpec& spec : *type.mutable_parameters()) {
    if (spec.kind() == v1::PARAMETER_KIND_TEXT && spec.max_length() == 0) {
      spec.set_max_length(kDefaultTextMaxLength);
    }
  }
}

void ValidateProductType(const v1::ProductType& type, absl::string_view prefix, Violations& out) {
  if (!ValidLabel(type.name(), 60)) {
    out.Add(absl::StrCat(prefix, ".name"), "PRODUCT_TYPE_NAME_INVALID",
            "name is 1..60 visible characters");
  }
  if (text::CodePointCount(type.description()) < 0 ||
      text::CodePointCount(type.description()) > 500) {
    out.Add(absl::StrCat(prefix, ".description"), "DESCRIPTION_TOO_LONG",
            "description is 0..500 characters");
  }
  if (type.parameters_size() > kMaxParameters) {
    out.Add(absl::StrCat(prefix, ".parameters"), "TOO_MANY_PARAMETERS",
            "a type has at most 50 parameters");
  }
  std::set<std::string> keys;
  for (int i = 0; i < type.parameters_size(); ++i) {
    const std::string at = absl::StrCat(prefix, ".parameters[", i, "]");
    CheckSpec(type.parameters(i), at, out);
    if (!keys.insert(type.parameters(i).key()).second) {
      out.Add(at + ".key", "PARAMETER_KEY_DUPLICATE", "parameter keys must be unique in a type");
    }
  }
  for (int mode : type.allowed_sale_modes()) {
    if (mode != v1::SALE_MODE_FIXED_PRICE && mode != v1::SALE_MODE_AUCTION) {
      out.Add(absl::StrCat(prefix, ".allowed_sale_modes"), "SALE_MODE_INVALID",
              "allowed_sale_modes holds FIXED_PRICE and/or AUCTION");
      break;
    }
  }
}

void ValidateParameters(const v1::ProductType& type,
                        const google::protobuf::Map<std::string, v1::ParameterValue>& parameters,
                        absl::string_view prefix, Violations& out) {
  std::set<std::string> known;
  for (const v1::ParameterSpec& spec : type.parameters()) {
    known.insert(spec.key());
    const std::string at = Key(prefix, spec.key());
    auto it = parameters.find(spec.key());
    if (it == parameters.end() || it->second.value_case() == v1::ParameterValue::VALUE_NOT_SET) {
      if (spec.required()) {
        out.Add(at, "PARAMETER_REQUIRED", absl::StrCat("'", spec.label(), "' is required"));
      }
      continue;
    }
    const v1::ParameterValue& value = it->second;
    auto mismatch = [&] {
      out.Add(at, "PARAMETER_TYPE_MISMATCH",
              absl::StrCat("'", spec.label(), "' takes a ",
                           v1::ParameterKind_Name(spec.kind()).substr(15), " value"));
    };
    switch (spec.kind()) {
      case v1::PARAMETER_KIND_TEXT: {
        if (value.value_case() != v1::ParameterValue::kTextValue) {
          mismatch();
          break;
        }
        const std::string& s = value.text_value();
        const int64_t n = text::CodePointCount(s);
        if (n < 0 || (n > 0 && text::CheckUserText(s) != text::TextProblem::kNone)) {
          out.Add(at, "PARAMETER_TEXT_INVALID", "text must be visible single-line characters");
        } else if (n < spec.min_length()) {
          out.Add(at, "PARAMETER_TOO_SHORT",
                  absl::StrCat("at least ", spec.min_length(), " characters"));
        } else if (n > spec.max_length()) {
          out.Add(at, "PARAMETER_TOO_LONG",
                  absl::StrCat("at most ", spec.max_length(), " characters"));
        } else if (!spec.pattern().empty()) {
          std::unique_ptr<RE2> re = Compile(spec.pattern());
          if (!re->ok() || !RE2::FullMatch(s, *re)) {
            out.Add(at, "PARAMETER_PATTERN_MISMATCH",
                    absl::StrCat("'", spec.label(), "' does not have the expected form"));
          }
        }
        break;
      }
      case v1::PARAMETER_KIND_INTEGER: {
        if (value.value_case() != v1::ParameterValue::kIntegerValue) {
          mismatch();
          break;
        }
        const bool bounded = !(spec.min_value() == 0 && spec.max_value() == 0);
        if (bounded && (value.integer_value() < spec.min_value() ||
                        value.integer_value() > spec.max_value())) {
          out.Add(at, "PARAMETER_OUT_OF_RANGE",
                  absl::StrCat("must be ", spec.min_value(), "..", spec.max_value()));
        }
        break;
      }
      case v1::PARAMETER_KIND_BOOLEAN:
        if (value.value_case() != v1::ParameterValue::kBoolValue) mismatch();
        break;
      case v1::PARAMETER_KIND_CHOICE: {
        if (value.value_case() != v1::ParameterValue::kChoiceValue) {
          mismatch();
          break;
        }
        if (std::find(spec.choices().begin(), spec.choices().end(), value.choice_value()) ==
            spec.choices().end()) {
          out.Add(at, "PARAMETER_NOT_A_CHOICE",
                  absl::StrCat("'", spec.label(), "' must be one of the listed choices"));
        }
        break;
      }
      case v1::PARAMETER_KIND_MONEY: {
        if (value.value_case() != v1::ParameterValue::kMoneyValue) {
          mismatch();
          break;
        }
        const common::v1::Money& m = value.money_value();
        const common::v1::Money* bound = spec.has_min_money()
                                             ? &spec.min_money()
                                             : (spec.has_max_money() ? &spec.max_money() : nullptr);
        if (!ValidMoney(m) || (bound != nullptr && bound->currency() != m.currency())) {
          out.Add(at, "PARAMETER_CURRENCY_MISMATCH", "amount in the wrong or an invalid currency");
        } else if ((spec.has_min_money() && m.amount_minor() < spec.min_money().amount_minor()) ||
                   (spec.has_max_money() && m.amount_minor() > spec.max_money().amount_minor())) {
          out.Add(at, "PARAMETER_OUT_OF_RANGE", "amount outside the allowed range");
        }
        break;
      }
      case v1::PARAMETER_KIND_DECIMAL: {
        if (value.value_case() != v1::ParameterValue::kDecimalValue) {
          mismatch();
          break;
        }
        std::optional<Decimal> d = ParseDecimal(value.decimal_value());
        if (!d) {
          out.Add(at, "PARAMETER_NOT_A_DECIMAL", "write a decimal number such as 12.5");
          break;
        }
        if (d->places > spec.decimal_places()) {
          out.Add(at, "PARAMETER_TOO_PRECISE",
                  absl::StrCat("at most ", spec.decimal_places(), " digits after the point"));
          break;
        }
        std::optional<Decimal> lo = ParseDecimal(spec.min_decimal());
        std::optional<Decimal> hi = ParseDecimal(spec.max_decimal());
        if ((lo && d->nanos < lo->nanos) || (hi && d->nanos > hi->nanos)) {
          out.Add(at, "PARAMETER_OUT_OF_RANGE",
                  absl::StrCat("must be ", spec.min_decimal().empty() ? "…" : spec.min_decimal(),
                               "..", spec.max_decimal().empty() ? "…" : spec.max_decimal()));
        }
        break;
      }
      default:
        mismatch();
    }
  }
  std::vector<std::string> unknown;
  for (const auto& [key, value] : parameters) {
    if (known.count(key) == 0) unknown.push_back(key);
  }
  std::sort(unknown.begin(), unknown.end());
  for (const std::string& key : unknown) {
    // The key is the caller's text: kept out of the description, and bounded and made plain
    // ASCII for the field (it travels in a trailer too).
    std::string shown = key.substr(0, 40);
    for (char& c : shown) {
      if (!(absl::ascii_isalnum(c) || c == '_' || c == '-')) c = '?';
    }
    out.Add(Key(prefix, shown), "PARAMETER_UNKNOWN", "the product type has no such parameter");
  }
}

}  // namespace shopcast::product_inventory::catalog
