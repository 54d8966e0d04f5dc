#pragma once

// Test helpers for servers built on http_files: a raw HTTP/1.x client over a plain socket (so
// tests control every byte and timing, including misbehaving on purpose).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace shopcast::http_files::testing {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // Lower-case names.
  std::string body;
  bool keep_alive = false;

  // The header's value, or "" when absent.
  std::string Header(const std::string& lower_name) const;
  bool Has(const std::string& lower_name) const { return headers.count(lower_name) > 0; }
};

class TestConnection {
 public:
  // Connects to 127.0.0.1:`port`; throws std::runtime_error on failure. A non-zero
  // `receive_buffer` shrinks SO_RCVBUF before connecting (to stall the server's writes).
  explicit TestConnection(uint16_t port, int receive_buffer = 0);
  ~TestConnection();
  TestConnection(const TestConnection&) = delete;
  TestConnection& operator=(const TestConnection&) = delete;

  // Sends all of `bytes`; false if the peer is gone.
  bool Send(std::string_view bytes);

  // Reads one response (`head`: it answers a HEAD, so it has no body). nullopt if the
  // connection ends first, the response is malformed, or `timeout` passes.
  std::optional<RawResponse> Read(bool head = false,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // True if the server closes (EOF or reset) within `timeout`; any data read meanwhile is
  // discarded.
  bool WaitClosed(std::chrono::milliseconds timeout);

 private:
  // Bytes received, 0 on EOF, -1 on error or timeout.
  long Receive(char* buffer, size_t size, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string pending_;  // Received but not yet parsed (the start of a pipelined response).
};

// Sends one request on a fresh connection and reads its response (throws if there is none).
RawResponse Exchange(uint16_t port, const std::string& request, bool head = false);

// "GET <target> HTTP/1.1" with Host and `extra_headers` (each "Name: value\r\n").
std::string GetRequest(const std::string& target, const std::string& extra_headers = "",
                       const std::string& method = "GET");

// Writes `content` to `path` (creating parent folders); throws on failure.
void WriteFile(const std::string& path, std::string_view content);

}  // namespace shopcast::http_files::testing
