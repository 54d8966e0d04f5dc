#pragma once

// The SRT port's UDP socket, held by us for the listener's whole life so the port never changes
// hands, and watched without a timer while libsrt is not serving it.
//
// Why: while libsrt serves a port its receive thread wakes every 10 ms (a select() with a fixed
// timeout in CChannel::recvfrom) and srt_epoll_uwait polls its sockets every 10 ms, with or
// without encoders: about 225 wake-ups and 4–5 ms of CPU a second on an idle server (more than
// a whole RTMP stream costs). The listener therefore hands libsrt a duplicate of this socket
// (srt_bind_acquire) only from the first datagram on, and takes the port back when no encoder
// has used it for a while; in between, WaitForDatagram() sleeps in poll() with no timeout. The
// datagram that wakes us is only peeked at, so libsrt reads the handshake it carries.

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace shopcast::video_ingest::srt {

class HeldUdpPort {
 public:
  HeldUdpPort() = default;
  ~HeldUdpPort();  // Close()s.
  HeldUdpPort(const HeldUdpPort&) = delete;
  HeldUdpPort& operator=(const HeldUdpPort&) = delete;

  // Binds a UDP socket to `address` (an IPv4 or IPv6 literal) and `port` (0: a free one).
  // INVALID_ARGUMENT/SRT_OPTIONS_INVALID for a bad address, UNAVAILABLE/SRT_BIND_FAILED when
  // the port cannot be had.
  absl::Status Open(const std::string& address, uint16_t port);
  uint16_t port() const { return port_; }

  // Blocks until a datagram is waiting (true) or Interrupt() was called (false). Never reads
  // the datagram.
  bool WaitForDatagram();
  // Makes WaitForDatagram return false, now and from then on. Any thread.
  void Interrupt();
  // Reads and drops one waiting datagram, if any (when libsrt could not be started for it).
  void DropOne();

  // A duplicate of the socket for libsrt to own (it closes it when it lets go of the port);
  // remembered for Released(). -1 with errno on failure.
  int DuplicateForLibsrt();
  // True once libsrt has closed the duplicate it was given: its threads for the port have
  // stopped (libsrt joins them before it closes the socket).
  bool Released() const;

  void Close();

 private:
  int fd_ = -1;
  int interrupt_fd_ = -1;  // An eventfd.
  int lent_fd_ = -1;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  uint16_t port_ = 0;
};

}  // namespace shopcast::video_ingest::srt
