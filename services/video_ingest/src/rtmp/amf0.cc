#include "rtmp/amf0.h"

#include <algorithm>
#include <bit>

#include "rtmp/byte_order.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {
namespace {

// Type markers (AMF0 spec, section 2.1).
enum Marker : uint8_t {
  kNumber = 0x00,
  kBoolean = 0x01,
  kString = 0x02,
  kObject = 0x03,
  kNull = 0x05,
  kUndefined = 0x06,
  kEcmaArray = 0x08,
  kObjectEnd = 0x09,
  kStrictArray = 0x0A,
  kDate = 0x0B,
  kLongString = 0x0C,
};

constexpr size_t kMaxShortString = 0xFFFF;

absl::Status Malformed(std::string_view why) {
  return Error(absl::StatusCode::kInvalidArgument, "AMF0_MALFORMED",
               absl::string_view(why.data(), why.size()));
}

// A bounds-checked cursor over the input; every read fails cleanly at the end.
class Decoder {
 public:
  Decoder(std::span<const uint8_t> bytes, const Amf0Limits& limits)
      : bytes_(bytes), limits_(limits) {}

  bool done() const { return pos_ == bytes_.size(); }

  absl::StatusOr<Amf0Value> Value(size_t depth) {
    if (++elements_ > limits_.max_elements) return Malformed("too many elements");
    uint8_t marker = 0;
    RETURN_IF_ERROR(U8(marker));
    switch (marker) {
      case kNumber: {
        double d = 0;
        RETURN_IF_ERROR(Double(d));
        return Amf0Value{d};
      }
      case kBoolean: {
        uint8_t b = 0;
        RETURN_IF_ERROR(U8(b));
        return Amf0Value{b != 0};
      }
      case kString:
      case kLongString: {
        std::string s;
        RETURN_IF_ERROR(String(marker == kLongString, s));
        return Amf0Value{std::move(s)};
      }
      case kObject: {
        Amf0Object o;
        RETURN_IF_ERROR(Properties(depth + 1, o.properties));
        return Amf0Value{std::move(o)};
      }
      case kNull:
        return Amf0Value{Amf0Null{}};
      case kUndefined:
        return Amf0Value{Amf0Undefined{}};
      case kEcmaArray: {
        // The count is only a hint (encoders get it wrong); the object end marker is what ends
        // the array.
        uint32_t count_hint = 0;
        RETURN_IF_ERROR(U32(count_hint));
        Amf0EcmaArray a;
        RETURN_IF_ERROR(Properties(depth + 1, a.properties));
        return Amf0Value{std::move(a)};
      }
      case kStrictArray: {
        uint32_t count = 0;
        RETURN_IF_ERROR(U32(count));
        if (depth + 1 > limits_.max_depth) return Malformed("nesting too deep");
        // Every element takes at least one byte: a count beyond the input is a lie, refused
        // before anything is allocated for it.
        if (count > bytes_.size() - pos_) return Malformed("truncated strict array");
        if (count > limits_.max_elements) return Malformed("too many elements");
        Amf0StrictArray a;
        a.elements.reserve(std::min<uint32_t>(count, 64));
        for (uint32_t i = 0; i < count; ++i) {
          ASSIGN_OR_RETURN(Amf0Value v, Value(depth + 1));
          a.elements.push_back(std::move(v));
        }
        return Amf0Value{std::move(a)};
      }
      case kDate: {
        Amf0Date date;
        RETURN_IF_ERROR(Double(date.millis));
        uint16_t tz = 0;
        RETURN_IF_ERROR(U16(tz));
        date.timezone = static_cast<int16_t>(tz);
        return Amf0Value{date};
      }
      case kObjectEnd:
        return Malformed("object end outside an object");
      default:
        return Malformed("unsupported marker");
    }
  }

 private:
  // Name/value pairs up to the empty name followed by the object end marker.
  absl::Status Properties(size_t depth, Amf0Properties& props) {
    if (depth > limits_.max_depth) return Malformed("nesting too deep");
    while (true) {
      std::string name;
      RETURN_IF_ERROR(String(/*long_form=*/false, name));
      if (name.empty() && pos_ < bytes_.size() && bytes_[pos_] == kObjectEnd) {
        ++pos_;
        return absl::OkStatus();
      }
      ASSIGN_OR_RETURN(Amf0Value v, Value(depth));
      props.emplace_back(std::move(name), std::move(v));
    }
  }

  absl::Status Need(size_t n) {
    if (bytes_.size() - pos_ < n) return Malformed("truncated");
    return absl::OkStatus();
  }
  absl::Status U8(uint8_t& v) {
    RETURN_IF_ERROR(Need(1));
    v = bytes_[pos_++];
    return absl::OkStatus();
  }
  absl::Status U16(uint16_t& v) {
    RETURN_IF_ERROR(Need(2));
    v = static_cast<uint16_t>(bytes_[pos_] << 8 | bytes_[pos_ + 1]);
    pos_ += 2;
    return absl::OkStatus();
  }
  absl::Status U32(uint32_t& v) {
    RETURN_IF_ERROR(Need(4));
    v = uint32_t{bytes_[pos_]} << 24 | uint32_t{bytes_[pos_ + 1]} << 16 |
        uint32_t{bytes_[pos_ + 2]} << 8 | uint32_t{bytes_[pos_ + 3]};
    pos_ += 4;
    return absl::OkStatus();
  }
  absl::Status Double(double& d) {
    RETURN_IF_ERROR(Need(8));
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = bits << 8 | bytes_[pos_ + i];
    pos_ += 8;
    d = std::bit_cast<double>(bits);
    return absl::OkStatus();
  }
  absl::Status String(bool long_form, std::string& s) {
    uint32_t len = 0;
    if (long_form) {
      RETURN_IF_ERROR(U32(len));
    } else {
      uint16_t len16 = 0;
      RETURN_IF_ERROR(U16(len16));
      len = len16;
    }
    // Checked before allocating, so a declared length can never make us reserve memory.
    if (len > limits_.max_string_bytes) return Malformed("string too long");
    RETURN_IF_ERROR(Need(len));
    s.assign(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
    pos_ += len;
    return absl::OkStatus();
  }

  std::span<const uint8_t> bytes_;
  const Amf0Limits& limits_;
  size_t pos_ = 0;
  size_t elements_ = 0;
};

void PutDouble(double d, std::vector<uint8_t>& out) {
  PutBigEndian(std::bit_cast<uint64_t>(d), 8, out);
}
void PutName(const std::string& name, std::vector<uint8_t>& out) {
  size_t len = std::min(name.size(), kMaxShortString);
  PutU16(static_cast<uint16_t>(len), out);
  out.insert(out.end(), name.begin(), name.begin() + static_cast<std::ptrdiff_t>(len));
}
void PutProperties(const Amf0Properties& props, std::vector<uint8_t>& out) {
  for (const auto& [name, value] : props) {
    PutName(name, out);
    EncodeAmf0(value, out);
  }
  PutU16(0, out);
  out.push_back(kObjectEnd);
}

}  // namespace

const Amf0Value* Amf0Value::property(std::string_view name) const {
  const Amf0Properties* props = nullptr;
  if (const auto* o = std::get_if<Amf0Object>(&v)) props = &o->properties;
  if (const auto* a = std::get_if<Amf0EcmaArray>(&v)) props = &a->properties;
  if (props == nullptr) return nullptr;
  for (const auto& [key, value] : *props) {
    if (key == name) return &value;
  }
  return nullptr;
}

absl::StatusOr<std::vector<Amf0Value>> DecodeAmf0(std::span<const uint8_t> bytes,
                                                  const Amf0Limits& limits) {
  Decoder decoder(bytes, limits);
  std::vector<Amf0Value> values;
  while (!decoder.done()) {
    ASSIGN_OR_RETURN(Amf0Value v, decoder.Value(/*depth=*/0));
    values.push_back(std::move(v));
  }
  return values;
}

void EncodeAmf0(const Amf0Value& value, std::vector<uint8_t>& out) {
  struct Visitor {
    std::vector<uint8_t>& out;
    void operator()(double d) {
      out.push_back(kNumber);
      PutDouble(d, out);
    }
    void operator()(bool b) {
      out.push_back(kBoolean);
      out.push_back(b ? 1 : 0);
    }
    void operator()(const std::string& s) {
      if (s.size() > kMaxShortString) {
        out.push_back(kLongString);
        PutU32(static_cast<uint32_t>(s.size()), out);
      } else {
        out.push_back(kString);
        PutU16(static_cast<uint16_t>(s.size()), out);
      }
      out.insert(out.end(), s.begin(), s.end());
    }
    void operator()(const Amf0Object& o) {
      out.push_back(kObject);
      PutProperties(o.properties, out);
    }
    void operator()(Amf0Null) { out.push_back(kNull); }
    void operator()(Amf0Undefined) { out.push_back(kUndefined); }
    void operator()(const Amf0EcmaArray& a) {
      out.push_back(kEcmaArray);
      PutU32(static_cast<uint32_t>(a.properties.size()), out);
      PutProperties(a.properties, out);
    }
    void operator()(const Amf0StrictArray& a) {
      out.push_back(kStrictArray);
      PutU32(static_cast<uint32_t>(a.elements.size()), out);
      for (const Amf0Value& e : a.elements) EncodeAmf0(e, out);
    }
    void operator()(const Amf0Date& d) {
      out.push_back(kDate);
      PutDouble(d.millis, out);
      PutU16(static_cast<uint16_t>(d.timezone), out);
    }
  };
  std::visit(Visitor{out}, value.v);
}

// Out of line: instantiating the pair comparison while the header is still being read sends
// clang (with libstdc++) round the Amf0Value <-> pair cycle before either is complete.
bool operator==(const Amf0Value& a, const Amf0Value& b) { return a.v == b.v; }
bool operator==(const Amf0Object& a, const Amf0Object& b) { return a.properties == b.properties; }
bool operator==(const Amf0EcmaArray& a, const Amf0EcmaArray& b) {
  return a.properties == b.properties;
}
bool operator==(const Amf0StrictArray& a, const Amf0StrictArray& b) {
  return a.elements == b.elements;
}

}  // namespace shopcast::video_ingest::rtmp
