// RFC 6455 on the server side, alone: the handshake's accept key, server frame headers and close
// frames, and the client-frame reader fed untrusted bytes in every possible split.

#include "ws/wire.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

// Live heap bytes of this test binary, to show that an idle reader holds none. Not inlined:
// GCC's -O2 would otherwise see through them and warn about the size prefix.
namespace {
std::atomic<long long> g_live_heap_bytes{0};
constexpr size_t kHeapPrefix = alignof(std::max_align_t);
}  // namespace

[[gnu::noinline]] void* operator new(size_t size) {
  auto* block = static_cast<unsigned char*>(std::malloc(size + kHeapPrefix));
  if (block == nullptr) throw std::bad_alloc();
  *reinterpret_cast<size_t*>(block) = size;
  g_live_heap_bytes += static_cast<long long>(size);
  return block + kHeapPrefix;
}
[[gnu::noinline]] void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  auto* block = static_cast<unsigned char*>(p) - kHeapPrefix;
  g_live_heap_bytes -= static_cast<long long>(*reinterpret_cast<size_t*>(block));
  std::free(block);
}
[[gnu::noinline]] void operator delete(void* p, size_t) noexcept { operator delete(p); }
// The other forms too (a sanitizer runtime would otherwise pair its own with ours).
void* operator new[](size_t size) { return operator new(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  try {
    return operator new(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete[](void* p, size_t) noexcept { operator delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { operator delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { operator delete(p); }

namespace shopcast::gateway::ws::wire {
namespace {

constexpr std::array<uint8_t, 4> kMask = {0x37, 0xFA, 0x21, 0x3D};

// A client frame: `first` is the first header byte (FIN, RSV, opcode); the payload is masked
// with `mask` unless `masked` is false; `length_bytes` forces the 7-bit (0), 16-bit (2) or
// 64-bit (8) length form.
std::string ClientFrame(uint8_t first, const std::string& payload, int length_bytes = -1,
                        bool masked = true, std::array<uint8_t, 4> mask = kMask) {
  if (length_bytes < 0) length_bytes = payload.size() < 126 ? 0 : payload.size() <= 0xFFFF ? 2 : 8;
  std::string frame(1, static_cast<char>(first));
  const uint8_t mask_bit = masked ? 0x80 : 0x00;
  if (length_bytes == 0) {
    frame.push_back(static_cast<char>(mask_bit | payload.size()));
  } else {
    frame.push_back(static_cast<char>(mask_bit | (length_bytes == 2 ? 126 : 127)));
    for (int i = length_bytes - 1; i >= 0; --i) {
      frame.push_back(static_cast<char>(static_cast<uint64_t>(payload.size()) >> (8 * i)));
    }
  }
  if (!masked) return frame + payload;
  frame.append(mask.begin(), mask.end());
  for (size_t i = 0; i < payload.size(); ++i) {
    frame.push_back(static_cast<char>(payload[i] ^ static_cast<char>(mask[i % 4])));
  }
  return frame;
}

constexpr uint8_t kFin = 0x80;
std::string Text(const std::string& s) { return ClientFrame(kFin | 0x1, s); }
std::string Binary(const std::string& s) { return ClientFrame(kFin | 0x2, s); }
std::string Ping(const std::string& s) { return ClientFrame(kFin | 0x9, s); }
std::string Pong(const std::string& s) { return ClientFrame(kFin | 0xA, s); }
std::string Close(uint16_t code, const std::string& reason) {
  return ClientFrame(kFin | 0x8,
                     std::string{static_cast<char>(code >> 8), static_cast<char>(code)} + reason);
}

struct Outcome {
  std::vector<Message> messages;
  bool ok = true;
  uint16_t close_code = 0;
};

Outcome FeedAll(const std::string& bytes, size_t limit = 1 << 20) {
  MessageReader reader(limit);
  Outcome o;
  o.ok = reader.Feed(bytes, o.messages);
  if (reader.error()) o.close_code = reader.error()->close_code;
  CHECK(o.ok == !(reader.error() != nullptr));
  return o;
}

// The close code the input is refused with (0: not refused).
uint16_t Refusal(const std::string& bytes, size_t limit = 1 << 20) {
  return FeedAll(bytes, limit).close_code;
}

bool Same(const std::vector<Message>& a, const std::vector<Message>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].kind != b[i].kind || a[i].payload != b[i].payload ||
        a[i].close_code != b[i].close_code) {
      return false;
    }
  }
  return true;
}

// Feeds `bytes` in the pieces cut at `cuts` (ascending offsets) to a fresh reader.
Outcome FeedPieces(const std::string& bytes, const std::vector<size_t>& cuts, size_t limit) {
  MessageReader reader(limit);
  Outcome o;
  size_t from = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(bytes.size());
  for (size_t to : ends) {
    const bool ok = reader.Feed(absl::string_view(bytes).substr(from, to - from), o.messages);
    CHECK(reader.buffered_bytes() <= limit + 14);
    if (!ok) {
      o.ok = false;
      o.close_code = reader.error()->close_code;
      // Refused for good.
      std::vector<Message> more;
      CHECK_FALSE(reader.Feed(Text("x"), more));
      CHECK(more.empty());
      return o;
    }
    from = to;
  }
  CHECK(reader.buffered_bytes() == 0);
  return o;
}

// Every 2-way split and byte by byte must read as the whole does.
void CheckEverySplit(const std::string& bytes, size_t limit = 1 << 20) {
  const Outcome whole = FeedPieces(bytes, {}, limit);
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    const Outcome split = FeedPieces(bytes, {cut}, limit);
    INFO("split at " << cut);
    CHECK(Same(split.messages, whole.messages));
    CHECK(split.ok == whole.ok);
    CHECK(split.close_code == whole.close_code);
  }
  std::vector<size_t> every;
  for (size_t i = 1; i < bytes.size(); ++i) every.push_back(i);
  const Outcome bytewise = FeedPieces(bytes, every, limit);
  CHECK(Same(bytewise.messages, whole.messages));
  CHECK(bytewise.close_code == whole.close_code);
}

TEST_CASE("the accept key is RFC 6455's, for a key of 16 bytes in base64 only", "[ws][wire]") {
  CHECK(AcceptKey("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  CHECK(AcceptKey(" dGhlIHNhbXBsZSBub25jZQ==\t") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  CHECK(AcceptKey("AAAAAAAAAAAAAAAAAAAAAA==").has_value());
  CHECK(AcceptKey("/+/+/+/+/+/+/+/+/+/+/w==").has_value());
  CHECK_FALSE(AcceptKey("").has_value());
  CHECK_FALSE(AcceptKey("dGhlIHNhbXBsZSBub25jZQ=").has_value());    // 23 characters
  CHECK_FALSE(AcceptKey("dGhlIHNhbXBsZSBub25jZQ===").has_value());  // 25
  CHECK_FALSE(AcceptKey("dGhlIHNhbXBsZSBub25jZQAA").has_value());   // 18 bytes
  CHECK_FALSE(AcceptKey("dGhlIHNhbXBsZSBub25jZ===").has_value());   // 15.75 bytes
  CHECK_FALSE(AcceptKey("dGhlIHNhbXBsZSBub25jZR==").has_value());   // stray bits in the last
  CHECK_FALSE(AcceptKey("dGhlIHNhbXBsZSBub2-jZQ==").has_value());   // not base64
  CHECK_FALSE(AcceptKey("dGhlIHNhbXBsZSBub 5jZQ==").has_value());
  CHECK_FALSE(AcceptKey("dGhlIHNhbXBsZSBub25jZQ==dGhl").has_value());
  CHECK_FALSE(AcceptKey("dGhlIHNhbXBsZSBzYW1wbGUgbm9uY2U=").has_value());  // 23 bytes
}

TEST_CASE("server frame headers use the shortest length form", "[ws][wire]") {
  auto bytes = [](FrameHeader h) { return std::vector<uint8_t>(h.bytes, h.bytes + h.size); };
  CHECK(bytes(ServerFrameHeader(Opcode::kText, 0)) == std::vector<uint8_t>{0x81, 0});
  CHECK(bytes(ServerFrameHeader(Opcode::kBinary, 125)) == std::vector<uint8_t>{0x82, 125});
  CHECK(bytes(ServerFrameHeader(Opcode::kBinary, 126)) == std::vector<uint8_t>{0x82, 126, 0, 126});
  CHECK(bytes(ServerFrameHeader(Opcode::kText, 0xFFFF)) ==
        std::vector<uint8_t>{0x81, 126, 0xFF, 0xFF});
  CHECK(bytes(ServerFrameHeader(Opcode::kText, 0x10000)) ==
        std::vector<uint8_t>{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0});
  CHECK(bytes(ServerFrameHeader(Opcode::kBinary, 0x0123456789ABCDEFull)) ==
        std::vector<uint8_t>{0x82, 127, 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF});
  CHECK(bytes(ServerFrameHeader(Opcode::kPing, 4)) == std::vector<uint8_t>{0x89, 4});
  CHECK(bytes(ServerFrameHeader(Opcode::kPong, 0)) == std::vector<uint8_t>{0x8A, 0});
}

TEST_CASE("close frames carry the code big-endian and a reason cut on a character", "[ws][wire]") {
  CHECK(CloseFrame(1000, "") == std::string("\x88\x02\x03\xE8", 4));
  CHECK(CloseFrame(kCloseTooBig, "too big") == std::string("\x88\x09\x03\xF1too big", 11));
  CHECK(CloseFrame(4001, "x").substr(2, 2) == "\x0F\xA1");

  const std::string ascii(200, 'a');
  const std::string cut = CloseFrame(1008, ascii);
  CHECK(cut.size() == 2 + 125);
  CHECK(static_cast<uint8_t>(cut[1]) == 125);
  CHECK(cut.substr(4) == std::string(123, 'a'));

  // "é" (2 bytes) at 122..123 would be split at 123: it goes whole.
  const std::string accented = std::string(122, 'a') + "\xC3\xA9" + "tail";
  const std::string c2 = CloseFrame(1000, accented);
  CHECK(c2.substr(4) == std::string(122, 'a'));
  CHECK(static_cast<uint8_t>(c2[1]) == 2 + 122);
  // A 4-byte character at 121..124.
  const std::string emoji = std::string(121, 'b') + "\xF0\x9F\x98\x80";
  CHECK(CloseFrame(1000, emoji).substr(4) == std::string(121, 'b'));
  // Exactly 123 bytes fit whole.
  const std::string fits = std::string(119, 'c') + "\xF0\x9F\x98\x80";
  CHECK(CloseFrame(1000, fits).substr(4) == fits);
  // What the server would send must read back.
  const Outcome back = FeedAll(ClientFrame(kFin | 0x8, CloseFrame(1001, accented).substr(2)));
  REQUIRE(back.messages.size() == 1);
  CHECK(back.messages[0].close_code == 1001);
  CHECK(back.messages[0].payload == std::string(122, 'a'));
}

TEST_CASE("masked frames of every kind are read and unmasked", "[ws][wire]") {
  const std::string big(70000, 'z');
  const std::string mid(300, 'm');
  const Outcome o =
      FeedAll(Text("hello") + Binary(std::string("\x00\xFF\x01", 3)) + Text("") +
              Ping("are you there") + Pong("") + Binary(mid) + Text(big) +
              ClientFrame(kFin | 0x1, "x", 0, true, {0, 0, 0, 0}) + Close(1000, "bye"));
  REQUIRE(o.ok);
  REQUIRE(o.messages.size() == 9);
  CHECK(o.messages[0].kind == Message::Kind::kText);
  CHECK(o.messages[0].payload == "hello");
  CHECK(o.messages[1].kind == Message::Kind::kBinary);
  CHECK(o.messages[1].payload == std::string("\x00\xFF\x01", 3));
  CHECK(o.messages[2].kind == Message::Kind::kText);
  CHECK(o.messages[2].payload.empty());
  CHECK(o.messages[3].kind == Message::Kind::kPing);
  CHECK(o.messages[3].payload == "are you there");
  CHECK(o.messages[4].kind == Message::Kind::kPong);
  CHECK(o.messages[5].payload == mid);
  CHECK(o.messages[6].payload == big);
  CHECK(o.messages[7].payload == "x");  // a zero mask changes nothing
  CHECK(o.messages[8].kind == Message::Kind::kClose);
  CHECK(o.messages[8].close_code == 1000);
  CHECK(o.messages[8].payload == "bye");
}

TEST_CASE("a fragmented message is joined, control frames between its fragments", "[ws][wire]") {
  const std::string input = ClientFrame(0x1, "Hel") + Ping("p1") + ClientFrame(0x0, "") +
                            ClientFrame(0x0, "lo ") + Pong("") +
                            ClientFrame(kFin | 0x0, "w\xC3\xB6rld") + ClientFrame(0x2, "\x01") +
                            ClientFrame(kFin | 0x0, "\x02") + Close(1001, "");
  const Outcome o = FeedAll(input);
  REQUIRE(o.ok);
  REQUIRE(o.messages.size() == 5);
  CHECK(o.messages[0].kind == Message::Kind::kPing);
  CHECK(o.messages[0].payload == "p1");
  CHECK(o.messages[1].kind == Message::Kind::kPong);
  CHECK(o.messages[2].kind == Message::Kind::kText);
  CHECK(o.messages[2].payload == "Hello w\xC3\xB6rld");
  CHECK(o.messages[3].kind == Message::Kind::kBinary);
  CHECK(o.messages[3].payload == "\x01\x02");
  CHECK(o.messages[4].close_code == 1001);
  // A character split between fragments is still one character.
  const Outcome split = FeedAll(ClientFrame(0x1, "\xF0\x9F") + ClientFrame(kFin | 0x0, "\x98\x80"));
  REQUIRE(split.ok);
  CHECK(split.messages.at(0).payload == "\xF0\x9F\x98\x80");
}

TEST_CASE("every split point reads as the whole input does", "[ws][wire]") {
  // Fragments, control frames inside them, every length form, masks that differ per frame.
  CheckEverySplit(ClientFrame(0x1, "Hel", -1, true, {1, 2, 3, 4}) + Ping("p") +
                  ClientFrame(0x0, "lo", -1, true, {0xFF, 0, 0xFF, 0}) +
                  ClientFrame(kFin | 0x0, " w\xC3\xB6rld") + Binary("") + Close(1000, "bye") +
                  Text("ignored after the close"));
  CheckEverySplit(Binary(std::string(300, '\x5A')) + ClientFrame(0x1, "\xF0\x9F") +
                  ClientFrame(kFin | 0x0, "\x98\x80") + Pong("pong") + Text(""));
  // Refused part-way: the messages before, then the same refusal wherever it was cut.
  CheckEverySplit(Text("ok") + ClientFrame(0x1, "a") + Text("b"));
  CheckEverySplit(Text("ok") + ClientFrame(kFin | 0x1, "x", 8));
  CheckEverySplit(Text("ok") + Text("\xED\xA0\x80"));
  CheckEverySplit(Text("ok") + Close(1005, ""));
  CheckEverySplit(Text("ok") + ClientFrame(0x1, "12345") + Ping("") + ClientFrame(kFin, "6"), 5);
}

TEST_CASE("between messages the reader holds no byte and no heap", "[ws][wire]") {
  CHECK(sizeof(MessageReader) <= 160);
  const std::string input = ClientFrame(0x1, std::string(5000, 'a')) + Ping(std::string(100, 'p')) +
                            ClientFrame(kFin | 0x0, std::string(5000, 'b')) +
                            Binary(std::string(3000, 'c')) + Pong(std::string(120, 'q'));
  MessageReader reader(1 << 20);
  std::vector<Message> out;
  out.reserve(16);
  // No test macro (which may allocate) between the heap measurements.
  const long long before = g_live_heap_bytes.load();
  bool all_fed = true;
  bool empty_when_handed_over = true;
  size_t most_buffered = 0;
  size_t buffered_after_ping = 0;
  for (char c : input) {
    const size_t had = out.size();
    all_fed = reader.Feed(absl::string_view(&c, 1), out) && all_fed;
    most_buffered = std::max(most_buffered, reader.buffered_bytes());
    if (out.size() > had && out.back().kind != Message::Kind::kPing &&
        out.back().kind != Message::Kind::kPong && reader.buffered_bytes() != 0) {
      empty_when_handed_over = false;
    }
    if (out.size() > had && out.back().kind == Message::Kind::kPing) {
      buffered_after_ping = reader.buffered_bytes();
    }
  }
  const long long held_with_messages = g_live_heap_bytes.load() - before;
  const size_t messages = out.size();
  const bool joined =
      messages == 4 && out[1].payload == std::string(5000, 'a') + std::string(5000, 'b');
  out.clear();
  const long long held_after = g_live_heap_bytes.load() - before;

  CHECK(all_fed);
  CHECK(messages == 4);
  CHECK(joined);
  CHECK(empty_when_handed_over);
  CHECK(buffered_after_ping == 5000);  // the open message, not the ping
  CHECK(most_buffered <= 10000 + 14);
  CHECK(reader.buffered_bytes() == 0);
  CHECK(held_with_messages >= 10000 + 3000);
  CHECK(held_after == 0);  // the reader kept nothing of them
}

TEST_CASE("a message over the limit is refused from its frame header, before its payload",
          "[ws][wire]") {
  CHECK(Refusal(Binary(std::string(100, 'x')), 100) == 0);
  CHECK(Refusal(Binary(std::string(101, 'x')), 100) == kCloseTooBig);
  CHECK(Refusal(Text(""), 0) == 0);
  CHECK(Refusal(Text("a"), 0) == kCloseTooBig);
  // Fragments count together; control frames between them do not.
  CHECK(Refusal(ClientFrame(0x2, std::string(60, 'x')) + Ping(std::string(125, 'p')) +
                    ClientFrame(kFin, std::string(40, 'y')),
                100) == 0);
  CHECK(Refusal(ClientFrame(0x2, std::string(60, 'x')) + ClientFrame(kFin, std::string(41, 'y')),
                100) == kCloseTooBig);
  // Each message counts alone.
  CHECK(Refusal(Binary(std::string(100, 'x')) + Binary(std::string(100, 'x')), 100) == 0);

  // A peer announcing 2^62 bytes is refused on the header alone, nothing allocated.
  const std::string huge("\x82\xFF\x40\x00\x00\x00\x00\x00\x00\x00", 10);
  {
    MessageReader reader(1 << 20);
    std::vector<Message> out;
    const long long before = g_live_heap_bytes.load();
    const bool fed = reader.Feed(huge, out);
    const long long held = g_live_heap_bytes.load() - before;
    CHECK_FALSE(fed);
    REQUIRE((reader.error() != nullptr));
    CHECK(reader.error()->close_code == kCloseTooBig);
    CHECK(reader.buffered_bytes() == 0);
    CHECK(held < 256);  // the error's text only
  }
  // The same as a continuation of a message already near the limit.
  MessageReader reader(1000);
  std::vector<Message> out;
  REQUIRE(reader.Feed(ClientFrame(0x1, std::string(999, 'a')), out));
  CHECK(reader.buffered_bytes() == 999);
  CHECK(reader.Feed(ClientFrame(0x0, "b"), out));
  CHECK_FALSE(reader.Feed(ClientFrame(kFin, "c"), out));
  CHECK(reader.error()->close_code == kCloseTooBig);
  CHECK(out.empty());
}

TEST_CASE("protocol violations are refused with 1002", "[ws][wire]") {
  CHECK(Refusal(ClientFrame(kFin | 0x1, "hi", -1, false)) == kCloseProtocolError);  // unmasked
  CHECK(Refusal(ClientFrame(kFin | 0x40 | 0x1, "hi")) == kCloseProtocolError);      // RSV1
  CHECK(Refusal(ClientFrame(kFin | 0x20 | 0x1, "hi")) == kCloseProtocolError);      // RSV2
  CHECK(Refusal(ClientFrame(kFin | 0x10 | 0x1, "hi")) == kCloseProtocolError);      // RSV3
  for (int op : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    INFO("opcode " << op);
    CHECK(Refusal(ClientFrame(static_cast<uint8_t>(kFin | op), "")) == kCloseProtocolError);
  }
  CHECK(Refusal(ClientFrame(kFin | 0x0, "orphan")) == kCloseProtocolError);
  CHECK(Refusal(ClientFrame(0x0, "orphan")) == kCloseProtocolError);
  CHECK(Refusal(ClientFrame(0x1, "a") + Text("b")) == kCloseProtocolError);
  CHECK(Refusal(ClientFrame(0x1, "a") + Binary("b")) == kCloseProtocolError);
  CHECK(Refusal(ClientFrame(0x9, "ping in pieces")) == kCloseProtocolError);
  CHECK(Refusal(ClientFrame(0x8, "")) == kCloseProtocolError);
  CHECK(Refusal(Ping(std::string(125, 'p'))) == 0);
  CHECK(Refusal(Ping(std::string(126, 'p'))) == kCloseProtocolError);
  CHECK(Refusal(ClientFrame(kFin | 0xA, "short", 2)) == kCloseProtocolError);  // control, 16-bit
  // Lengths not in their shortest form, or over 63 bits.
  CHECK(Refusal(ClientFrame(kFin | 0x2, std::string(125, 'x'), 2)) == kCloseProtocolError);
  CHECK(Refusal(ClientFrame(kFin | 0x2, std::string(126, 'x'), 2)) == 0);
  CHECK(Refusal(ClientFrame(kFin | 0x2, std::string(0xFFFF, 'x'), 8)) == kCloseProtocolError);
  CHECK(Refusal(ClientFrame(kFin | 0x2, std::string(0x10000, 'x'), 8)) == 0);
  CHECK(Refusal(std::string("\x82\xFF\x80\x00\x00\x00\x00\x00\x00\x00", 10)) ==
        kCloseProtocolError);
  // The first wrong byte decides, whatever follows.
  CHECK(Refusal(std::string("\x82\x7F\x80", 3)) == kCloseProtocolError);  // unmasked before length
}

TEST_CASE("text and close reasons must be strict UTF-8 (1007)", "[ws][wire]") {
  const std::vector<std::string> good = {"plain",
                                         "\xC2\x80",
                                         "\xDF\xBF",
                                         "\xE0\xA0\x80",
                                         "\xED\x9F\xBF",
                                         "\xEE\x80\x80",
                                         "\xEF\xBF\xBF",
                                         "\xF0\x90\x80\x80",
                                         "\xF4\x8F\xBF\xBF",
                                         "\xCE\xBA\xE1\xBD\xB9\xCF\x83",
                                         std::string("nul \x00 inside", 12)};
  for (const std::string& s : good) {
    INFO(s);
    CHECK(Refusal(Text(s)) == 0);
    CHECK(Refusal(Close(1000, s)) == 0);
    CHECK(Refusal(Binary(s)) == 0);
  }
  const std::vector<std::string> bad = {
      "\x80",              // a continuation first
      "\xC0\x80",          // overlong NUL
      "\xC1\xBF",          // overlong
      "\xE0\x9F\xBF",      // overlong 3-byte
      "\xF0\x8F\xBF\xBF",  // overlong 4-byte
      "\xED\xA0\x80",      // surrogate U+D800
      "\xED\xBF\xBF",      // surrogate U+DFFF
      "\xF4\x90\x80\x80",  // U+110000
      "\xF5\x80\x80\x80",
      "\xFE",
      "\xFF",
      "\xC3",          // cut short
      "ok\xE2\x82",    // cut short at the end
      "\xE2\x28\xA1",  // a bad continuation
      "\xF0\x9F\x98",  // 3 of 4
  };
  for (const std::string& s : bad) {
    INFO(s);
    CHECK(Refusal(Text(s)) == kCloseBadData);
    CHECK(Refusal(Close(1000, s)) == kCloseBadData);
    CHECK(Refusal(Binary(s)) == 0);  // binary is anything
  }
  // Joined fragments are checked as one text.
  CHECK(Refusal(ClientFrame(0x1, "\xF0\x9F") + ClientFrame(kFin, "\x98")) == kCloseBadData);
}

TEST_CASE("close frames: no payload is 1005, one byte or a reserved code is refused",
          "[ws][wire]") {
  const Outcome empty = FeedAll(ClientFrame(kFin | 0x8, ""));
  REQUIRE(empty.messages.size() == 1);
  CHECK(empty.messages[0].kind == Message::Kind::kClose);
  CHECK(empty.messages[0].close_code == kCloseNoStatus);
  CHECK(empty.messages[0].payload.empty());
  CHECK(Refusal(ClientFrame(kFin | 0x8, "\x03")) == kCloseProtocolError);
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
    INFO(code);
    const Outcome o = FeedAll(Close(static_cast<uint16_t>(code), "why"));
    REQUIRE(o.messages.size() == 1);
    CHECK(o.messages[0].close_code == code);
    CHECK(o.messages[0].payload == "why");
  }
  for (int code :
       {0, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    INFO(code);
    CHECK(Refusal(Close(static_cast<uint16_t>(code), "")) == kCloseProtocolError);
  }
  CHECK(Refusal(Close(1000, std::string(123, 'r'))) == 0);
  CHECK(Refusal(Close(1000, std::string(124, 'r'))) == kCloseProtocolError);  // 126 bytes
}

TEST_CASE("after the peer's close nothing more is read, after a refusal nothing at all",
          "[ws][wire]") {
  MessageReader reader(1 << 20);
  std::vector<Message> out;
  CHECK(reader.Feed(Text("a") + Close(1000, "") + Text("b") + "garbage\xFF", out));
  REQUIRE(out.size() == 2);
  CHECK(out[1].kind == Message::Kind::kClose);
  CHECK(reader.Feed(Text("c"), out));
  CHECK(out.size() == 2);
  CHECK(reader.buffered_bytes() == 0);
  CHECK_FALSE((reader.error() != nullptr));

  MessageReader refused(1 << 20);
  out.clear();
  CHECK_FALSE(refused.Feed(Text("a") + ClientFrame(kFin | 0x3, "") + Text("b"), out));
  REQUIRE(out.size() == 1);  // what came before the violation
  CHECK(out[0].payload == "a");
  REQUIRE((refused.error() != nullptr));
  CHECK(refused.error()->close_code == kCloseProtocolError);
  CHECK_FALSE(refused.error()->why.empty());
  CHECK_FALSE(refused.Feed(Text("c"), out));
  CHECK(out.size() == 1);
  CHECK(refused.buffered_bytes() == 0);
}

}  // namespace
}  // namespace shopcast::gateway::ws::wire
