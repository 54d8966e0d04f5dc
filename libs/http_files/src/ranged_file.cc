#include "shopcast/http_files/ranged_file.h"

#include <boost/system/error_code.hpp>

namespace shopcast::http_files {

namespace beast = boost::beast;

void RangedFile::Adopt(int fd) {
  file_.native_handle(fd);
  offset_ = 0;
  restricted_ = false;
  length_ = 0;
}

void RangedFile::Restrict(uint64_t offset, uint64_t length, beast::error_code& ec) {
  file_.seek(offset, ec);
  if (ec) return;
  offset_ = offset;
  length_ = length;
  restricted_ = true;
}

void RangedFile::open(const char*, beast::file_mode, beast::error_code& ec) {
  ec = boost::system::errc::make_error_code(boost::system::errc::operation_not_supported);
}

uint64_t RangedFile::size(beast::error_code& ec) const {
  if (restricted_) {
    ec = {};
    return length_;
  }
  return file_.size(ec);
}

uint64_t RangedFile::pos(beast::error_code& ec) const {
  const uint64_t absolute = file_.pos(ec);
  return absolute >= offset_ ? absolute - offset_ : 0;
}

void RangedFile::seek(uint64_t offset, beast::error_code& ec) { file_.seek(offset_ + offset, ec); }

size_t RangedFile::read(void* buffer, size_t n, beast::error_code& ec) const {
  return file_.read(buffer, n, ec);
}

size_t RangedFile::write(const void*, size_t, beast::error_code& ec) {
  ec = boost::system::errc::make_error_code(boost::system::errc::operation_not_supported);
  return 0;
}

}  // namespace shopcast::http_files
