// libFuzzer entry point for what a WebSocket client sends on the gateway's plain-socket path
// before anything of ours reads it: RFC 6455 frames (src/ws/wire.h). Built by the fuzz preset
// (src/ws/ws.cmake) and replayed over src/ws/wire_fuzz_corpus in the normal build.
// Input: [limit selector][n][n chunk sizes][the client's bytes]. The bytes are fed to one reader
// in chunks of the listed sizes (cycled; 0 feeds an empty chunk, then one byte), and whole to
// another: both must hand over the same messages and refuse with the same close code. Checked
// on the way: a refusal comes with its error and is final, nothing held over the limit plus a
// frame header, no data message over the limit, text and close reasons UTF-8, control payloads
// of at most 125 bytes, close codes an endpoint may send, nothing after a close.
// The same bytes also go through AcceptKey and CloseFrame.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "ws/wire.h"

namespace {

namespace wire = shopcast::gateway::ws::wire;

constexpr size_t kLimits[] = {0, 1, 7, 125, 126, 300, 1024, 65536, 1 << 20};

// UTF-8 by decoding code points (a different way from the reader's byte-range table).
bool DecodesAsUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<uint8_t>(s[i]);
    size_t n;
    uint32_t cp;
    if (b < 0x80) {
      n = 0;
      cp = b;
    } else if ((b & 0xE0) == 0xC0) {
      n = 1;
      cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      n = 2;
      cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      n = 3;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (n > 0 && i + n >= s.size()) return false;  // cut short
    for (size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<uint8_t>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

bool AllowedCloseCode(uint16_t c) {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1011) || (c >= 3000 && c <= 4999);
}

void CheckMessages(const std::vector<wire::Message>& messages, size_t limit) {
  for (size_t i = 0; i < messages.size(); ++i) {
    const wire::Message& m = messages[i];
    switch (m.kind) {
      case wire::Message::Kind::kText:
        if (!DecodesAsUtf8(m.payload)) std::abort();
        [[fallthrough]];
      case wire::Message::Kind::kBinary:
        if (m.payload.size() > limit) std::abort();
        break;
      case wire::Message::Kind::kPing:
      case wire::Message::Kind::kPong:
        if (m.payload.size() > 125) std::abort();
        break;
      case wire::Message::Kind::kClose:
        if (i + 1 != messages.size()) std::abort();  // nothing after a close
        if (m.payload.size() > 123 || !DecodesAsUtf8(m.payload)) std::abort();
        if (m.close_code == wire::kCloseNoStatus ? !m.payload.empty()
                                                 : !AllowedCloseCode(m.close_code)) {
          std::abort();
        }
        break;
    }
  }
}

bool Same(const std::vector<wire::Message>& a, const std::vector<wire::Message>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].kind != b[i].kind || a[i].payload != b[i].payload ||
        a[i].close_code != b[i].close_code) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t limit = kLimits[data[0] % (sizeof(kLimits) / sizeof(kLimits[0]))];
  const size_t chunk_count = data[1];
  if (size < 2 + chunk_count) return 0;
  const uint8_t* chunks = data + 2;
  const absl::string_view bytes(reinterpret_cast<const char*>(data + 2 + chunk_count),
                                size - 2 - chunk_count);

  // Whole.
  wire::MessageReader whole(limit);
  std::vector<wire::Message> whole_out;
  const bool whole_ok = whole.Feed(bytes, whole_out);
  if (whole_ok == (whole.error() != nullptr)) std::abort();
  CheckMessages(whole_out, limit);

  // In chunks.
  wire::MessageReader reader(limit);
  std::vector<wire::Message> out;
  bool ok = true;
  size_t at = 0;
  for (size_t i = 0; at < bytes.size(); ++i) {
    size_t n = chunk_count == 0 ? bytes.size() : chunks[i % chunk_count];
    if (n == 0) {
      const size_t before = out.size();
      const bool fed = reader.Feed({}, out);
      if (fed != ok || out.size() != before) std::abort();
      n = 1;
    }
    n = std::min(n, bytes.size() - at);
    const size_t before = out.size();
    const bool fed = reader.Feed(bytes.substr(at, n), out);
    at += n;
    if (!ok && (fed || out.size() != before)) std::abort();  // a refusal is final
    ok = fed;
    if (ok == (reader.error() != nullptr)) std::abort();
    if (!ok) {
      const uint16_t code = reader.error()->close_code;
      if (code != wire::kCloseProtocolError && code != wire::kCloseBadData &&
          code != wire::kCloseTooBig) {
        std::abort();
      }
      if (reader.error()->why.empty()) std::abort();
      if (reader.buffered_bytes() != 0) std::abort();
    }
    if (reader.buffered_bytes() > limit + 14) std::abort();
  }
  CheckMessages(out, limit);
  if (!Same(out, whole_out) || ok != whole_ok) std::abort();
  if (!ok && reader.error()->close_code != whole.error()->close_code) std::abort();

  // The same bytes as a Sec-WebSocket-Key and as a close reason.
  if (auto accept = wire::AcceptKey(bytes); accept && accept->size() != 28) std::abort();
  const uint16_t code = static_cast<uint16_t>(data[0] << 8 | data[1]);
  const std::string close = wire::CloseFrame(code, bytes);
  if (close.size() > 127 || close.size() < 4 || static_cast<uint8_t>(close[0]) != 0x88 ||
      static_cast<size_t>(close[1]) != close.size() - 2 || !DecodesAsUtf8(close.substr(4))) {
    std::abort();
  }
  if (DecodesAsUtf8(std::string(bytes)) && bytes.size() <= 123 &&
      close.substr(4) != std::string(bytes)) {
    std::abort();
  }
  return 0;
}
