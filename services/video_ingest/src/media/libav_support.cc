#include "media/libav_support.h"

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
}

#include <cstdarg>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace shopcast::video_ingest::media {
namespace {

thread_local std::string* libav_errors = nullptr;

void CaptureLibavLog(void* avcl, int level, const char* fmt, va_list vl) {
  if (level > AV_LOG_ERROR || libav_errors == nullptr || !libav_errors->empty()) return;
  char line[256];
  int print_prefix = 1;
  av_log_format_line2(avcl, level, fmt, vl, line, sizeof(line), &print_prefix);
  absl::string_view text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  *libav_errors = std::string(text);
}

}  // namespace

std::string AvError(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof(text));
  return text;
}

void InstallLibavLogCapture() {
  static std::once_flag installed;
  std::call_once(installed, [] { av_log_set_callback(&CaptureLibavLog); });
}

LibavErrors::LibavErrors() { libav_errors = &text_; }

LibavErrors::~LibavErrors() { libav_errors = nullptr; }

std::string LibavErrors::Describe(absl::string_view what) const {
  return text_.empty() ? std::string(what) : absl::StrCat(what, ": ", text_);
}

}  // namespace shopcast::video_ingest::media
