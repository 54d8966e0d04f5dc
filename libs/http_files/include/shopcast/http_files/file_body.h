#pragma once

// The body of a file reply: beast's basic_file_body<RangedFile> value (an open descriptor and
// the range to send), with a writer that reads up to 64 KiB per socket write instead of the
// stock writer's fixed 4 KiB. A 100 KiB LL-HLS part then leaves in two writes, not 25 (each a
// read and a send system call), and a 2 MiB segment in 32 instead of 512.

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/basic_file_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "shopcast/http_files/ranged_file.h"

namespace shopcast::http_files {

struct FileBody {
  // Bytes read from the file per write: large enough that a socket write moves a useful amount,
  // small enough that thousands of slow readers mid-file stay bounded (the buffer lives while
  // its response is being written, and is no larger than what is left to send).
  static constexpr size_t kBlockBytes = 64 * 1024;

  using value_type = boost::beast::http::basic_file_body<RangedFile>::value_type;

  static uint64_t size(const value_type& body) { return body.size(); }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(boost::beast::http::header<isRequest, Fields>&, value_type& body)
        : body_(body), remain_(body.size()) {}

    void init(boost::beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      const size_t amount =
          static_cast<size_t>(std::min<uint64_t>(remain_, static_cast<uint64_t>(kBlockBytes)));
      if (amount == 0) {
        ec = {};
        return boost::none;
      }
      if (!buffer_) {
        capacity_ = amount;  // The first block is the largest one.
        buffer_ = std::make_unique<char[]>(capacity_);
      }
      const size_t n = body_.file().read(buffer_.get(), std::min(amount, capacity_), ec);
      if (ec) return boost::none;
      if (n == 0) {  // The file is shorter than its announced length: never send short.
        ec = boost::beast::http::error::short_read;
        return boost::none;
      }
      remain_ -= n;
      ec = {};
      return {{const_buffers_type(buffer_.get(), n), remain_ > 0}};
    }

   private:
    value_type& body_;
    uint64_t remain_;
    std::unique_ptr<char[]> buffer_;
    size_t capacity_ = 0;
  };
};

}  // namespace shopcast::http_files
