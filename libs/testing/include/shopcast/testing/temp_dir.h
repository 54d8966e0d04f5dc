#pragma once

// A scratch folder for one test: created fresh, removed with everything in it afterwards.

#include <filesystem>
#include <string>
#include <string_view>

namespace shopcast::testing {

class TempDir {
 public:
  // Creates $TMPDIR (or /tmp)/shopcast-test-XXXXXX; throws std::runtime_error if it cannot.
  TempDir();
  ~TempDir();  // Removes the folder and its contents; errors are ignored.
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / name, as a string (for APIs and commands that take text).
  std::string File(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The whole file at `path` as text; empty when it cannot be read (a test compares it).
std::string ReadFileText(const std::filesystem::path& path);

}  // namespace shopcast::testing
