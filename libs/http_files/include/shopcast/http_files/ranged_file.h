#pragma once

// A read-only file for beast::http::basic_file_body that exposes one byte range of an already
// opened descriptor, so 200 and 206 responses stream from disk the same way.

#include <boost/beast/core/error.hpp>
#include <boost/beast/core/file_base.hpp>
#include <boost/beast/core/file_posix.hpp>
#include <cstddef>
#include <cstdint>

namespace shopcast::http_files {

class RangedFile {
 public:
  RangedFile() = default;
  RangedFile(RangedFile&&) = default;
  RangedFile& operator=(RangedFile&&) = default;

  // Takes ownership of the open descriptor `fd`; the range is the whole file.
  void Adopt(int fd);

  // Limits reads to [offset, offset + length) and positions at `offset`.
  void Restrict(uint64_t offset, uint64_t length, boost::beast::error_code& ec);

  // The beast File concept. open() and write() are refused: files come in through Adopt().
  bool is_open() const { return file_.is_open(); }
  void close(boost::beast::error_code& ec) { file_.close(ec); }
  void open(const char* path, boost::beast::file_mode mode, boost::beast::error_code& ec);
  uint64_t size(boost::beast::error_code& ec) const;
  uint64_t pos(boost::beast::error_code& ec) const;
  void seek(uint64_t offset, boost::beast::error_code& ec);
  size_t read(void* buffer, size_t n, boost::beast::error_code& ec) const;
  size_t write(const void* buffer, size_t n, boost::beast::error_code& ec);

 private:
  boost::beast::file_posix file_;
  uint64_t offset_ = 0;
  bool restricted_ = false;
  uint64_t length_ = 0;
};

}  // namespace shopcast::http_files
