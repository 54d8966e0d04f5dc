#include "raw_publisher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "rtmp/amf0.h"

namespace shopcast::video_ingest::rtmp::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kChunkSize = 4096;

Message Command(uint32_t csid, uint32_t stream_id, const std::vector<Amf0Value>& values) {
  Message m{csid, kCommandAmf0, stream_id, 0, {}};
  for (const Amf0Value& v : values) EncodeAmf0(v, m.payload);
  return m;
}

Amf0Value Str(std::string s) { return Amf0Value{std::move(s)}; }
Amf0Value Num(double d) { return Amf0Value{d}; }

std::string PropertyString(const Amf0Value& object, const char* name) {
  const Amf0Value* p = object.property(name);
  return p != nullptr && p->string() != nullptr ? *p->string() : std::string();
}

}  // namespace

RawPublisher::RawPublisher(uint16_t port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket: " + std::to_string(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    close(fd_);
    throw std::runtime_error("connect: " + std::to_string(err));
  }
}

RawPublisher::~RawPublisher() {
  if (fd_ >= 0) close(fd_);
}

bool RawPublisher::Send(const std::vector<uint8_t>& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool RawPublisher::SendMessage(const Message& m) {
  std::vector<uint8_t> out;
  writer_.Write(m, out);
  return Send(out);
}

bool RawPublisher::ReadSome(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  uint8_t buf[16384];
  const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
  if (n <= 0) return false;
  std::vector<Message> out;
  if (!reader_.Feed(std::span<const uint8_t>(buf, static_cast<size_t>(n)), out).ok()) {
    return false;
  }
  for (Message& m : out) messages_.push_back(std::move(m));
  return true;
}

std::optional<StatusReply> RawPublisher::NextStatus(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    while (!messages_.empty()) {
      Message m = std::move(messages_.front());
      messages_.pop_front();
      if (m.type != kCommandAmf0) continue;
      auto values = DecodeAmf0(m.payload);
      if (!values.ok() || values->size() < 4 || (*values)[0].string() == nullptr) continue;
      if (*(*values)[0].string() != "onStatus") continue;
      const Amf0Value& info = (*values)[3];
      return StatusReply{PropertyString(info, "level"), PropertyString(info, "code"),
                         PropertyString(info, "description")};
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !ReadSome(left)) return std::nullopt;
  }
}

std::optional<StatusReply> RawPublisher::Publish(const std::string& app, const std::string& key,
                                                 std::chrono::milliseconds timeout) {
  std::vector<uint8_t> c0c1(1 + 1536, 0);
  c0c1[0] = 3;
  if (!Send(c0c1)) return std::nullopt;
  std::vector<uint8_t> s(1 + 2 * 1536);
  size_t got = 0;
  const Clock::time_point deadline = Clock::now() + timeout;
  while (got < s.size() && Clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = recv(fd_, s.data() + got, s.size() - got, 0);
    if (n <= 0) return std::nullopt;
    got += static_cast<size_t>(n);
  }
  if (got < s.size()) return std::nullopt;
  if (!Send(std::vector<uint8_t>(s.begin() + 1, s.begin() + 1 + 1536))) return std::nullopt;

  Message chunk_size{2, kSetChunkSize, 0, 0, {0, 0, kChunkSize >> 8, 0}};
  if (!SendMessage(chunk_size)) return std::nullopt;
  writer_.set_chunk_size(kChunkSize);
  Amf0Properties props;
  props.emplace_back("app", Str(app));
  props.emplace_back("type", Str("nonprivate"));
  props.emplace_back("tcUrl", Str("rtmp://127.0.0.1/" + app));
  if (!SendMessage(Command(3, 0, {Str("connect"), Num(1), Amf0Value{Amf0Object{props}}})) ||
      !SendMessage(Command(3, 0, {Str("createStream"), Num(2), Amf0Value{Amf0Null{}}})) ||
      !SendMessage(Command(
          4, stream_id_, {Str("publish"), Num(3), Amf0Value{Amf0Null{}}, Str(key), Str("live")}))) {
    return std::nullopt;
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return NextStatus(std::max(left, std::chrono::milliseconds(1)));
}

bool RawPublisher::SendTag(uint8_t type, uint32_t timestamp, const std::vector<uint8_t>& payload) {
  return SendMessage(Message{6, type, stream_id_, timestamp, payload});
}

bool RawPublisher::WaitForClose(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    uint8_t buf[4096];
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return true;
  }
  return false;
}

}  // namespace shopcast::video_ingest::rtmp::testing
