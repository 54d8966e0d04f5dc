#include "media/segment_writer.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::media {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kS = 1'000'000'000;

// A 188-byte transport packet on `pid` with payload_unit_start set, filled with `fill`.
std::vector<uint8_t> Packet(uint16_t pid, uint8_t fill, std::vector<uint8_t> payload = {}) {
  std::vector<uint8_t> p(kTsPacketSize, fill);
  p[0] = 0x47;
  p[1] = static_cast<uint8_t>(0x40 | (pid >> 8));
  p[2] = static_cast<uint8_t>(pid & 0xFF);
  p[3] = 0x10;
  std::copy(payload.begin(), payload.end(), p.begin() + 4);
  return p;
}
// A PAT naming program 1 with its PMT on PID 0x1000.
std::vector<uint8_t> Pat() {
  return Packet(0, 0xFF,
                {0x00, 0x00, 0xB0, 0x0D, 0x00, 0x01, 0xC1, 0x00, 0x00, 0x00, 0x01, 0xF0, 0x00});
}
std::vector<uint8_t> Pmt() { return Packet(0x1000, 0xFF, {0x00, 0x02, 0xB0, 0x12}); }

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
std::string Str(const std::vector<uint8_t>& b) { return {b.begin(), b.end()}; }

TEST_CASE("SegmentWriter cuts one muxed stream into numbered, digested files", "[writer]") {
  testing::TempDir dir;
  SegmentWriter w(dir.path(), 7);
  const auto a = Packet(0x100, 1);
  const auto b = Packet(0x100, 2);
  REQUIRE(w.Write(Pat()).ok());
  REQUIRE(w.Write(Pmt()).ok());
  REQUIRE(w.Write(a).ok());
  auto first = w.Cut(2 * kS, 0, false);
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  CHECK((*first)->sequence == 7);
  CHECK((*first)->location == dir.path() / "000007.ts");
  CHECK((*first)->start_ns == 0);  // The session's first segment starts where it started.
  CHECK((*first)->end_ns == 2 * kS);
  CHECK((*first)->digest.size_bytes == 3 * 188);
  CHECK((*first)->digest.sha256.size() == 64);
  CHECK(Read(dir.path() / "000007.ts") == Str(Pat()) + Str(Pmt()) + Str(a));

  // Nothing written since the cut: no file yet, and nothing to close at a second cut.
  CHECK_FALSE(fs::exists(dir.path() / "000008.ts"));
  REQUIRE(w.Write(b).ok());
  auto last = w.Finish(3 * kS, 0);
  REQUIRE(last.ok());
  REQUIRE(last->has_value());
  CHECK((*last)->sequence == 8);
  CHECK((*last)->start_ns == 2 * kS);
  CHECK((*last)->end_ns == 3 * kS);
  CHECK(Read(dir.path() / "000008.ts") == Str(b));
  auto none = w.Finish(3 * kS, 0);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("A segment cut between audio frames starts with the stream's PAT and PMT", "[writer]") {
  testing::TempDir dir;
  SegmentWriter w(dir.path(), 0);
  REQUIRE(w.Write(Pat()).ok());
  REQUIRE(w.Write(Pmt()).ok());
  REQUIRE(w.Write(Packet(0x101, 1)).ok());
  REQUIRE(w.Cut(kS, 0, /*prefix_tables=*/true).ok());
  const auto audio = Packet(0x101, 2);
  REQUIRE(w.Write(audio).ok());
  auto closed = w.Finish(2 * kS, 0);
  REQUIRE(closed.ok());
  REQUIRE(closed->has_value());
  CHECK(Read((*closed)->location) == Str(Pat()) + Str(Pmt()) + Str(audio));
  CHECK((*closed)->digest.size_bytes == 3 * 188);
}

TEST_CASE("A segment folder that vanished fails with STORAGE_FAILURE, once", "[writer]") {
  testing::TempDir dir;
  SegmentWriter w(dir.path() / "gone", 0);
  absl::Status first = w.Write(Packet(0x100, 1));
  CHECK(first.code() == absl::StatusCode::kDataLoss);
  CHECK(ReasonOf(first) == "STORAGE_FAILURE");
  CHECK(w.failed());
  CHECK(w.Write(Packet(0x100, 2)).ok());  // Reported once; the session is ending.
  auto closed = w.Finish(kS, 0);
  REQUIRE(closed.ok());
  CHECK_FALSE(closed->has_value());
}

TEST_CASE("With parts, every byte also goes to the open part, renamed when complete",
          "[writer][parts]") {
  testing::TempDir dir;
  SegmentWriter w(dir.path(), 42, /*parts=*/true);
  const auto a = Packet(0x100, 1);
  const auto b = Packet(0x100, 2);
  const auto c = Packet(0x100, 3);
  const auto d = Packet(0x100, 4);
  REQUIRE(w.Write(Pat()).ok());
  REQUIRE(w.Write(Pmt()).ok());
  REQUIRE(w.Write(a).ok());
  // Being written: only under its temporary name, which the origin never serves.
  CHECK_FALSE(fs::exists(dir.path() / "000042_0.ts"));
  auto p0 = w.CutPart(kS / 3, 0, /*independent=*/false, /*prefix_tables=*/false);
  REQUIRE(p0.ok());
  REQUIRE(p0->has_value());
  CHECK((*p0)->sequence == 42);
  CHECK((*p0)->index == 0);
  CHECK((*p0)->location == dir.path() / "000042_0.ts");
  CHECK((*p0)->start_ns == 0);
  CHECK((*p0)->end_ns == kS / 3);
  CHECK((*p0)->independent);  // A segment's first part starts with its keyframe.
  CHECK(Read(dir.path() / "000042_0.ts") == Str(Pat()) + Str(Pmt()) + Str(a));
  CHECK_FALSE(fs::exists(dir.path() / "000042_0.ts.tmp"));

  REQUIRE(w.Write(b).ok());
  // An independent part cut between frames (a keyframe inside the segment) gets the tables.
  auto p1 = w.CutPart(2 * kS / 3, 0, /*independent=*/true, /*prefix_tables=*/true);
  REQUIRE(p1.ok());
  REQUIRE(p1->has_value());
  CHECK((*p1)->index == 1);
  CHECK_FALSE((*p1)->independent);
  CHECK(Read(dir.path() / "000042_1.ts") == Str(b));
  REQUIRE(w.Write(c).ok());
  auto closed = w.Cut(kS, 0, false);
  REQUIRE(closed.ok());
  REQUIRE(closed->has_value());
  // The segment holds every byte once; its last part closed with it.
  CHECK(Read(dir.path() / "000042.ts") == Str(Pat()) + Str(Pmt()) + Str(a) + Str(b) + Str(c));
  REQUIRE((*closed)->last_part.has_value());
  CHECK((*closed)->last_part->index == 2);
  CHECK((*closed)->last_part->independent);
  CHECK((*closed)->last_part->start_ns == 2 * kS / 3);
  CHECK((*closed)->last_part->end_ns == kS);
  CHECK(Read(dir.path() / "000042_2.ts") == Str(Pat()) + Str(Pmt()) + Str(c));

  // The next segment numbers its parts from 0 again.
  REQUIRE(w.Write(d).ok());
  auto next = w.Finish(2 * kS, 0);
  REQUIRE(next.ok());
  REQUIRE(next->has_value());
  REQUIRE((*next)->last_part.has_value());
  CHECK((*next)->last_part->sequence == 43);
  CHECK((*next)->last_part->index == 0);
  CHECK((*next)->last_part->start_ns == kS);
  CHECK(Read(dir.path() / "000043_0.ts") == Str(d));
}

TEST_CASE("A part left open when the writer goes away is never visible", "[writer][parts]") {
  testing::TempDir dir;
  {
    SegmentWriter w(dir.path(), 0, /*parts=*/true);
    REQUIRE(w.Write(Packet(0x100, 1)).ok());
  }
  CHECK_FALSE(fs::exists(dir.path() / "000000_0.ts"));
  CHECK_FALSE(fs::exists(dir.path() / "000000_0.ts.tmp"));
}

TEST_CASE("Without parts the writer writes no part file", "[writer][parts]") {
  testing::TempDir dir;
  SegmentWriter w(dir.path(), 0);
  REQUIRE(w.Write(Packet(0x100, 1)).ok());
  auto part = w.CutPart(kS / 3, 0, false, false);
  REQUIRE(part.ok());
  CHECK_FALSE(part->has_value());
  auto closed = w.Finish(kS, 0);
  REQUIRE(closed.ok());
  REQUIRE(closed->has_value());
  CHECK_FALSE((*closed)->last_part.has_value());
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("With parts in memory, each part's bytes are what its file would hold, and no file",
          "[writer][parts][memory]") {
  testing::TempDir files_dir;
  testing::TempDir memory_dir;
  SegmentWriter files(files_dir.path(), 42, /*parts=*/true);
  SegmentWriter memory(memory_dir.path(), 42, /*parts=*/true, /*parts_in_memory=*/true);
  std::vector<SegmentWriter::ClosedPart> in_memory;
  auto both = [&](auto&& step) {
    auto from_files = step(files);
    auto from_memory = step(memory);
    REQUIRE(from_files.ok());
    REQUIRE(from_memory.ok());
    return std::make_pair(std::move(*from_files), std::move(*from_memory));
  };
  auto write = [&](const std::vector<uint8_t>& bytes) {
    REQUIRE(files.Write(bytes).ok());
    REQUIRE(memory.Write(bytes).ok());
  };
  write(Pat());
  write(Pmt());
  write(Packet(0x100, 1));
  auto [f0, m0] = both([](SegmentWriter& w) { return w.CutPart(kS / 3, 0, false, false); });
  write(Packet(0x100, 2));
  auto [f1, m1] = both([](SegmentWriter& w) { return w.CutPart(2 * kS / 3, 0, true, true); });
  write(Packet(0x100, 3));
  auto [fs2, ms2] = both([](SegmentWriter& w) { return w.Cut(kS, 0, false); });
  write(Packet(0x100, 4));
  auto [fs3, ms3] = both([](SegmentWriter& w) { return w.Finish(2 * kS, 0); });
  REQUIRE(m0.has_value());
  REQUIRE(m1.has_value());
  REQUIRE(ms2.has_value());
  REQUIRE(ms2->last_part.has_value());
  REQUIRE(ms3->last_part.has_value());
  const std::vector<std::pair<SegmentWriter::ClosedPart, SegmentWriter::ClosedPart>> parts = {
      {*f0, *m0},
      {*f1, *m1},
      {*fs2->last_part, *ms2->last_part},
      {*fs3->last_part, *ms3->last_part}};
  for (const auto& [f, m] : parts) {
    INFO(m.location.filename().string());
    CHECK(f.data == nullptr);
    REQUIRE(m.data != nullptr);
    CHECK(m.data->bytes == Read(f.location));
    CHECK(m.location.filename() == f.location.filename());
    CHECK(m.start_ns == f.start_ns);
    CHECK(m.end_ns == f.end_ns);
    CHECK(m.independent == f.independent);
    CHECK_FALSE(fs::exists(m.location));
  }
  // The segments are the same files, digests and all; nothing else was created.
  CHECK(Read(memory_dir.path() / "000042.ts") == Read(files_dir.path() / "000042.ts"));
  CHECK(ms2->digest.sha256 == fs2->digest.sha256);
  CHECK(Read(memory_dir.path() / "000043.ts") == Read(files_dir.path() / "000043.ts"));
  CHECK(std::distance(fs::directory_iterator(memory_dir.path()), fs::directory_iterator()) == 2);
}

}  // namespace
}  // namespace shopcast::video_ingest::media
