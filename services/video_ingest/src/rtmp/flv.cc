#include "rtmp/flv.h"

#include <algorithm>
#include <iterator>
#include <string_view>

#include "rtmp/byte_order.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {
namespace {

constexpr size_t kTagHeaderSize = 11;
constexpr size_t kMaxTagData = (size_t{1} << 24) - 1;
// The AMF0 string "@setDataFrame" as encoders put it before the script data they want stored
// (marker, 16-bit length, text; sized explicitly because of the NUL inside).
constexpr char kSetDataFrameBytes[] = "\x02\x00\x0D@setDataFrame";
constexpr std::string_view kSetDataFrame(kSetDataFrameBytes, sizeof(kSetDataFrameBytes) - 1);
static_assert(kSetDataFrame.size() == 16);

}  // namespace

void FlvWriter::WriteHeader(uint8_t track_flags, std::vector<uint8_t>& out) {
  // Signature, version 1, flags (audio 0x04, video 0x01), header length 9, then
  // PreviousTagSize0.
  const uint8_t header[] = {
      'F', 'L', 'V', 0x01, static_cast<uint8_t>(track_flags & 0x05), 0, 0, 0, 9, 0, 0, 0, 0};
  out.insert(out.end(), std::begin(header), std::end(header));
}

absl::Status FlvWriter::WriteTag(const Message& m, std::vector<uint8_t>& out) {
  if (m.type != kAudio && m.type != kVideo && m.type != kDataAmf0) return absl::OkStatus();
  std::span<const uint8_t> data(m.payload);
  if (m.type == kDataAmf0 && data.size() >= kSetDataFrame.size() &&
      std::equal(kSetDataFrame.begin(), kSetDataFrame.end(), data.begin(),
                 [](char a, uint8_t b) { return static_cast<uint8_t>(a) == b; })) {
    // A file stores the script data itself ("onMetaData", {...}), not the instruction to
    // store it: the remaining values are kept byte for byte.
    data = data.subspan(kSetDataFrame.size());
  }
  if (data.size() > kMaxTagData) {
    return Error(absl::StatusCode::kInvalidArgument, "FLV_TAG_TOO_LARGE",
                 "message too large for an FLV tag");
  }
  const auto size = static_cast<uint32_t>(data.size());
  out.push_back(m.type);  // Tag types equal the RTMP message types 8, 9 and 18.
  PutU24(size, out);
  PutU24(m.timestamp & 0xFFFFFF, out);
  out.push_back(static_cast<uint8_t>(m.timestamp >> 24));  // TimestampExtended.
  PutU24(0, out);                                          // StreamID, always 0.
  out.insert(out.end(), data.begin(), data.end());
  PutU32(static_cast<uint32_t>(kTagHeaderSize + data.size()), out);
  return absl::OkStatus();
}

}  // namespace shopcast::video_ingest::rtmp
