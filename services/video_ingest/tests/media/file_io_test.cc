#include "media/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>

#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::media {
namespace {

namespace fs = std::filesystem;
using shopcast::testing::ReadFileText;
using shopcast::testing::TempDir;

ino_t Inode(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

std::string ReadFd(int fd) {
  std::string out;
  char buf[256];
  off_t at = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, at);
    REQUIRE(n >= 0);
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    at += n;
  }
}

std::string Version(int n) { return "#EXTM3U\n# version " + std::to_string(n) + "\n"; }

TEST_CASE(
    "WriteFileAtomically without durable takes turns between two files, never creating a "
    "third",
    "[file_io]") {
  TempDir dir;
  const fs::path path = dir.path() / "live.m3u8";
  const fs::path spare = dir.path() / "live.m3u8.tmp";
  REQUIRE(WriteFileAtomically(path, Version(0), /*durable=*/false).ok());
  CHECK(ReadFileText(path) == Version(0));
  CHECK_FALSE(fs::exists(spare));  // Nothing to swap with yet: renamed.

  std::set<ino_t> inodes;
  for (int v = 1; v <= 8; ++v) {
    REQUIRE(WriteFileAtomically(path, Version(v), /*durable=*/false).ok());
    CHECK(ReadFileText(path) == Version(v));
    // The version swapped out is the next write's spare.
    CHECK(ReadFileText(spare) == Version(v - 1));
    inodes.insert(Inode(path));
    inodes.insert(Inode(spare));
  }
  CHECK(inodes.size() == 2);
  // Nothing else in the folder.
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 2);
}

TEST_CASE("WriteFileAtomically: a reader of one version reads it whole through the next write",
          "[file_io]") {
  TempDir dir;
  const fs::path path = dir.path() / "live.m3u8";
  REQUIRE(WriteFileAtomically(path, Version(1), /*durable=*/false).ok());
  REQUIRE(WriteFileAtomically(path, std::string(3000, 'x'), /*durable=*/false).ok());
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  // A shorter version replaces it while the reader holds it open.
  REQUIRE(WriteFileAtomically(path, Version(3), /*durable=*/false).ok());
  CHECK(ReadFd(fd) == std::string(3000, 'x'));
  CHECK(ReadFileText(path) == Version(3));
  ::close(fd);
  // The next write reuses that file for a far shorter version: nothing of the longer one stays.
  REQUIRE(WriteFileAtomically(path, Version(4), /*durable=*/false).ok());
  CHECK(ReadFileText(path) == Version(4));
  CHECK(fs::file_size(path) == Version(4).size());
}

TEST_CASE("WriteFileAtomically with durable takes up the spare and leaves no temporary",
          "[file_io]") {
  TempDir dir;
  const fs::path path = dir.path() / "live.m3u8";
  for (int v = 0; v < 3; ++v) REQUIRE(WriteFileAtomically(path, Version(v), false).ok());
  REQUIRE(fs::exists(dir.path() / "live.m3u8.tmp"));
  REQUIRE(WriteFileAtomically(path, Version(9), /*durable=*/true).ok());
  CHECK(ReadFileText(path) == Version(9));
  CHECK_FALSE(fs::exists(dir.path() / "live.m3u8.tmp"));
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("WriteFileAtomically reports a folder it cannot write as STORAGE_FAILURE", "[file_io]") {
  TempDir dir;
  const absl::Status s =
      WriteFileAtomically(dir.path() / "missing" / "live.m3u8", Version(0), /*durable=*/false);
  CHECK(s.code() == absl::StatusCode::kDataLoss);
  CHECK(s.message().find("missing") != std::string::npos);
}

}  // namespace
}  // namespace shopcast::video_ingest::media
