#include "srt/held_udp_port.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "shopcast/status/status.h"

namespace shopcast::video_ingest::srt {

HeldUdpPort::~HeldUdpPort() { Close(); }

absl::Status HeldUdpPort::Open(const std::string& address, uint16_t port) {
  sockaddr_storage storage{};
  socklen_t size = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    size = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    size = sizeof(sockaddr_in6);
  } else {
    return InvalidArgument("bind_address", "SRT_OPTIONS_INVALID",
                           "bind_address is not an IP address literal");
  }
  fd_ = socket(storage.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&storage), size) != 0) {
    const std::string why = std::strerror(errno);
    Close();
    return Error(absl::StatusCode::kUnavailable, "SRT_BIND_FAILED",
                 "cannot bind the SRT port: " + why);
  }
  sockaddr_storage bound{};
  socklen_t bound_size = sizeof(bound);
  struct stat facts {};
  interrupt_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &bound_size) != 0 ||
      fstat(fd_, &facts) != 0 || interrupt_fd_ < 0) {
    const std::string why = std::strerror(errno);
    Close();
    return Error(absl::StatusCode::kInternal, "SRT_SOCKET_FAILED",
                 "cannot set up the SRT port: " + why);
  }
  device_ = facts.st_dev;
  inode_ = facts.st_ino;
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return absl::OkStatus();
}

bool HeldUdpPort::WaitForDatagram() {
  std::array<pollfd, 2> watched{pollfd{fd_, POLLIN, 0}, pollfd{interrupt_fd_, POLLIN, 0}};
  while (true) {
    int ready = poll(watched.data(), watched.size(), -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0 || (watched[1].revents & POLLIN) != 0) return false;
    if ((watched[0].revents & (POLLIN | POLLERR)) != 0) return true;
  }
}

void HeldUdpPort::Interrupt() {
  if (interrupt_fd_ < 0) return;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t written = write(interrupt_fd_, &one, sizeof(one));
}

void HeldUdpPort::DropOne() {
  std::array<char, 1> byte{};
  [[maybe_unused]] ssize_t read = recv(fd_, byte.data(), byte.size(), MSG_DONTWAIT | MSG_TRUNC);
}

int HeldUdpPort::DuplicateForLibsrt() {
  lent_fd_ = fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  return lent_fd_;
}

bool HeldUdpPort::Released() const {
  if (lent_fd_ < 0) return true;
  // The number may already name another file opened since: then it is no longer our socket.
  struct stat facts {};
  if (fstat(lent_fd_, &facts) != 0) return true;
  return facts.st_dev != device_ || facts.st_ino != inode_;
}

void HeldUdpPort::Close() {
  if (fd_ >= 0) close(fd_);
  if (interrupt_fd_ >= 0) close(interrupt_fd_);
  fd_ = interrupt_fd_ = -1;
}

}  // namespace shopcast::video_ingest::srt
