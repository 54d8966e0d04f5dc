#include "media/rendition_group.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace shopcast::video_ingest::media {
namespace {

constexpr size_t kMaxPathComponents = 8;
constexpr size_t kMaxComponentBytes = 64;

bool IsPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

}  // namespace

std::string RenderRenditionReport(const RenditionReport& report) {
  std::string out =
      absl::StrCat("#EXT-X-RENDITION-REPORT:URI=\"", report.uri, "\",LAST-MSN=", report.last_msn);
  if (report.last_part) absl::StrAppend(&out, ",LAST-PART=", *report.last_part);
  out += "\n";
  return out;
}

std::optional<RenditionReport> ReportOf(const PlaylistProgress& progress) {
  RenditionReport r;
  if (progress.next_parts > 0) {
    r.last_msn = progress.next_msn;
    r.last_part = progress.next_parts - 1;
    return r;
  }
  if (progress.next_msn <= 0) return std::nullopt;
  r.last_msn = progress.next_msn - 1;
  if (progress.last_parts > 0) r.last_part = progress.last_parts - 1;
  return r;
}

// The '/'-separated components of `path`.
std::vector<std::string> Components(std::string_view path) {
  return absl::StrSplit(absl::string_view(path.data(), path.size()), '/');
}

std::string RelativeUri(std::string_view from, std::string_view to) {
  std::vector<std::string> a = Components(from);
  std::vector<std::string> b = Components(to);
  a.pop_back();  // the folders `from` is in
  const std::string file = b.back();
  b.pop_back();
  size_t common = 0;
  while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
  std::string out;
  for (size_t i = common; i < a.size(); ++i) out += "../";
  for (size_t i = common; i < b.size(); ++i) absl::StrAppend(&out, b[i], "/");
  absl::StrAppend(&out, file);
  return out;
}

bool IsValidRenditionPath(std::string_view path) {
  if (path.empty() || !path.ends_with(".m3u8")) return false;
  const std::vector<std::string> parts = Components(path);
  if (parts.size() > kMaxPathComponents) return false;
  for (const std::string& p : parts) {
    if (p.empty() || p.size() > kMaxComponentBytes || p == "." || p == "..") return false;
    for (char c : p) {
      if (!IsPathChar(c)) return false;
    }
  }
  return true;
}

RenditionGroup::MemberId RenditionGroup::Join(std::string path) {
  if (!IsValidRenditionPath(path)) return 0;
  absl::MutexLock lock(&mu_);
  const MemberId id = next_id_++;
  members_[std::move(path)] = Member{id, std::nullopt};
  return id;
}

void RenditionGroup::Leave(MemberId member) {
  absl::MutexLock lock(&mu_);
  for (auto it = members_.begin(); it != members_.end(); ++it) {
    if (it->second.id == member) {
      members_.erase(it);
      return;
    }
  }
}

bool RenditionGroup::Remove(std::string_view path) {
  absl::MutexLock lock(&mu_);
  auto it = members_.find(path);
  if (it == members_.end()) return false;
  members_.erase(it);
  return true;
}

void RenditionGroup::Publish(MemberId member, const PlaylistProgress& progress) {
  std::optional<RenditionReport> report = ReportOf(progress);
  absl::MutexLock lock(&mu_);
  for (auto& [path, m] : members_) {
    if (m.id == member) {
      m.last = std::move(report);
      return;
    }
  }
}

std::vector<RenditionReport> RenditionGroup::ReportsFor(MemberId member) const {
  std::vector<RenditionReport> out;
  absl::MutexLock lock(&mu_);
  const std::string* self = nullptr;
  for (const auto& [path, m] : members_) {
    if (m.id == member) self = &path;
  }
  if (self == nullptr) return out;
  for (const auto& [path, m] : members_) {
    if (m.id == member || !m.last) continue;
    RenditionReport r = *m.last;
    r.uri = RelativeUri(*self, path);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::string> RenditionGroup::paths() const {
  std::vector<std::string> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [path, m] : members_) out.push_back(path);
  return out;
}

}  // namespace shopcast::video_ingest::media
