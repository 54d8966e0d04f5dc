#include "clips/clips.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::clips {
namespace {

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr size_t kMaxTitleChars = 120;

void SetDuration(int64_t us, google::protobuf::Duration* out) {
  out->set_seconds(us / kMicrosPerSecond);
  out->set_nanos(static_cast<int32_t>((us % kMicrosPerSecond) * 1000));
}

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t s = absl::ToUnixSeconds(t);
  out->set_seconds(s);
  out->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(s)) / absl::Nanoseconds(1)));
}

// Microseconds of a Duration; nullopt when it is not a valid Duration.
std::optional<int64_t> Micros(const google::protobuf::Duration& d) {
  if (d.nanos() <= -1'000'000'000 || d.nanos() >= 1'000'000'000) return std::nullopt;
  if ((d.seconds() > 0 && d.nanos() < 0) || (d.seconds() < 0 && d.nanos() > 0)) {
    return std::nullopt;
  }
  if (d.seconds() > 315'576'000'000 || d.seconds() < -315'576'000'000) return std::nullopt;
  return d.seconds() * kMicrosPerSecond + d.nanos() / 1000;
}

bool IsAdmin(const std::optional<auth::Caller>& c) {
  return c.has_value() && c->role == auth::Role::kAdmin;
}

absl::Status RequireId(const std::string& id, const char* field) {
  if (id.empty()) return InvalidArgument(field, "ID_REQUIRED", absl::StrCat(field, " is required"));
  return absl::OkStatus();
}

absl::Status ClipNotFound() { return NotFound("CLIP_NOT_FOUND", "no such clip"); }
absl::Status RecordingNotFound() { return NotFound("RECORDING_NOT_FOUND", "no such recording"); }

absl::Status CheckIdempotencyKey(const std::string& key) {
  if (key.empty()) {
    return InvalidArgument("idempotency_key", "IDEMPOTENCY_KEY_REQUIRED",
                           "idempotency_key is required");
  }
  bool ok = key.size() <= 64;
  for (char c : key) ok = ok && c >= 0x20 && c <= 0x7e;
  if (!ok) {
    return InvalidArgument("idempotency_key", "IDEMPOTENCY_KEY_INVALID",
                           "idempotency_key must be 1..64 printable ASCII characters");
  }
  return absl::OkStatus();
}

// Code points of valid UTF-8 without control characters; nullopt otherwise.
std::optional<size_t> TitleChars(const std::string& s) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return std::nullopt;
    if (n == 1 && (c < 0x20 || c == 0x7f)) return std::nullopt;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return std::nullopt;
    }
    i += n;
    ++chars;
  }
  return chars;
}

// The first `max` code points of valid UTF-8 `s`.
std::string TruncateChars(const std::string& s, size_t max) {
  size_t chars = 0;
  size_t i = 0;
  while (i < s.size() && chars < max) {
    const auto c = static_cast<unsigned char>(s[i]);
    i += c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    ++chars;
  }
  return s.substr(0, std::min(i, s.size()));
}

absl::StatusOr<int> PageSize(const common::v1::PageRequest& page) {
  if (page.page_size() < 0 || page.page_size() > kMaxPageSize) {
    return InvalidArgument("page.page_size", "PAGE_SIZE_INVALID",
                           "page_size must be between 0 and 100");
  }
  return page.page_size() == 0 ? kDefaultPageSize : page.page_size();
}

}  // namespace

std::string ClipMp4Key(const std::string& recording_id, const std::string& clip_id) {
  return absl::StrCat(recording_id, "/clips/", clip_id, ".mp4");
}
std::string ClipPosterKey(const std::string& recording_id, const std::string& clip_id) {
  return absl::StrCat(recording_id, "/clips/", clip_id, ".jpg");
}
std::string ThumbnailKey(const std::string& recording_id, const std::string& thumbnail_id) {
  return absl::StrCat(recording_id, "/thumbs/", thumbnail_id, ".jpg");
}

Clips::Clips(ClipStore& store, storage::StorageProvider& hot, ClipsOptions options,
             pagetoken::Codec page_tokens, ClipUrlMaker clip_url, ImageUrlMaker image_url,
             std::function<void()> wake, prometheus::Registry* metrics, ProviderLookup tiers,
             RecordingView recording_view)
    : store_(store),
      hot_(hot),
      options_(std::move(options)),
      page_tokens_(std::move(page_tokens)),
      clip_url_(std::move(clip_url)),
      image_url_(std::move(image_url)),
      wake_(std::move(wake)),
      tiers_(std::move(tiers)),
      recording_view_(std::move(recording_view)) {
  if (metrics != nullptr) {
    requests_ = &prometheus::BuildCounter()
                     .Name("recording_lifecycle_clip_requests_total")
                     .Help("Clip and thumbnail requests by operation and outcome (OK or reason)")
                     .Register(*metrics);
  }
}

void Clips::Count(const char* op, const absl::Status& s) {
  if (requests_ == nullptr) return;
  const std::string reason = ReasonOf(s);
  requests_
      ->Add({{"op", op},
             {"outcome", s.ok()           ? "OK"
                         : reason.empty() ? absl::StatusCodeToString(s.code())
                                          : reason}})
      .Increment();
}

absl::StatusOr<RecordingRow> Clips::VisibleRecording(const std::optional<auth::Caller>& caller,
                                                     const std::string& recording_id) {
  if (!ids::IsValidId(recording_id, "rec")) return RecordingNotFound();
  ASSIGN_OR_RETURN(std::optional<RecordingRow> rec, store_.GetRecording(recording_id));
  if (!rec) return RecordingNotFound();
  const bool mine = caller.has_value() && caller->user_id == rec->host_id;
  if (rec->decision != kDecisionSave && !mine && !IsAdmin(caller)) return RecordingNotFound();
  return *rec;
}

v1::Clip Clips::ToProto(const ClipRow& row) const {
  v1::Clip c;
  c.set_id(row.id);
  c.set_recording_id(row.recording_id);
  c.set_creator_id(row.creator_id);
  c.set_title(row.title);
  const bool ready = row.status == kJobReady;
  SetDuration(ready && row.start_us ? *row.start_us : row.requested_start_us,
              c.mutable_start_offset());
  SetDuration(ready && row.duration_us ? *row.duration_us : row.requested_duration_us,
              c.mutable_duration());
  c.set_moment_id(row.moment_id);
  c.set_status(static_cast<v1::ClipStatus>(row.status));
  c.set_failure_reason(row.failure_reason);
  SetTime(absl::FromUnixMicros(row.created_us), c.mutable_created_at());
  // A clip whose media expired with its recording has no URLs left to give.
  if (ready && row.mp4_tier != kTierExpired) {
    const absl::Time expires = absl::Now() + options_.url_ttl;
    if (clip_url_) {
      c.set_playback_url(clip_url_(c, expires));
      SetTime(expires, c.mutable_url_expires_at());
    }
    if (image_url_ && !row.poster_sha256.empty()) {
      c.set_thumbnail_url(image_url_(row.recording_id, row.poster_key, expires));
    }
  }
  return c;
}

absl::StatusOr<v1::Clip> Clips::Create(const auth::Caller& caller,
                                       const v1::CreateClipRequest& request) {
  absl::StatusOr<v1::Clip> result = [&]() -> absl::StatusOr<v1::Clip> {
    RETURN_IF_ERROR(RequireId(request.recording_id(), "recording_id"));
    RETURN_IF_ERROR(CheckIdempotencyKey(request.idempotency_key()));
    std::string title(absl::StripAsciiWhitespace(request.title()));
    if (!request.title().empty()) {
      const std::optional<size_t> chars = TitleChars(title);
      if (!chars || *chars == 0 || *chars > kMaxTitleChars) {
        return InvalidArgument("title", "TITLE_INVALID", "title must be 1..120 characters of text");
      }
    }
    if (request.source_case() == v1::CreateClipRequest::SOURCE_NOT_SET) {
      return InvalidArgument("source", "CLIP_SOURCE_REQUIRED", "range or moment_id is required");
    }
    std::optional<int64_t> start;
    std::optional<int64_t> duration;
    if (request.has_range()) {
      start = Micros(request.range().start_offset());
      duration = Micros(request.range().duration());
      if (!start) {
        return InvalidArgument("range.start_offset", "CLIP_RANGE_INVALID",
                               "start_offset is not a valid duration");
      }
      if (!duration) {
        return InvalidArgument("range.duration", "CLIP_RANGE_INVALID",
                               "duration is not a valid duration");
      }
      // What can be checked without the recording.
      RETURN_IF_ERROR(
          ValidateRange(*start, *duration, std::numeric_limits<int64_t>::max(), options_.limits));
    } else if (request.moment_id().empty()) {
      return InvalidArgument("moment_id", "ID_REQUIRED", "moment_id is required");
    }
    ASSIGN_OR_RETURN(RecordingRow rec, VisibleRecording(caller, request.recording_id()));
    if (caller.user_id != rec.host_id) {
      return PermissionDenied("NOT_RECORDING_OWNER", "only the recording's host makes clips");
    }
    if (rec.decision == kDecisionDelete || rec.status == kRecordingDeleting ||
        rec.status == kRecordingDeleted) {
      return Error(absl::StatusCode::kFailedPrecondition, "RECORDING_DELETED",
                   "the recording is deleted");
    }
    if (rec.tier == kTierExpired) {
      return Error(absl::StatusCode::kFailedPrecondition, "RECORDING_EXPIRED",
                   "the recording's media has expired");
    }
    if (rec.status != kRecordingReady) {
      return Error(absl::StatusCode::kFailedPrecondition, "RECORDING_NOT_READY",
                   "the recording is not ready yet");
    }
    std::string default_title = rec.title;
    std::string moment_id;
    if (request.has_range()) {
      RETURN_IF_ERROR(ValidateRange(*start, *duration, rec.duration_us, options_.limits));
    } else {
      if (!ids::IsValidId(request.moment_id(), "mom")) {
        return NotFound("MOMENT_NOT_FOUND", "no such moment");
      }
      ASSIGN_OR_RETURN(std::optional<MomentRow> moment, store_.GetMoment(request.moment_id()));
      if (!moment || moment->recording_id != rec.id) {
        return NotFound("MOMENT_NOT_FOUND", "no such moment in the recording");
      }
      if (!moment->media_offset_us) {
        return Error(absl::StatusCode::kFailedPrecondition, "MOMENT_NOT_PLACED",
                     "the moment is not placed in the recording yet");
      }
      ASSIGN_OR_RETURN(Window w,
                       MomentWindow(*moment->media_offset_us, rec.duration_us, options_.lead_in,
                                    options_.lead_out, options_.limits));
      start = w.start_us;
      duration = w.duration_us;
      moment_id = moment->id;
      if (!moment->product_title.empty()) default_title = moment->product_title;
    }
    if (title.empty()) title = TruncateChars(default_title, kMaxTitleChars);
    if (title.empty()) title = "Clip";

    NewClip clip;
    clip.limit = options_.max_clips_per_recording;
    clip.row.id = ids::NewId("clp");
    clip.row.recording_id = rec.id;
    clip.row.creator_id = caller.user_id;
    clip.row.title = title;
    clip.row.requested_start_us = *start;
    clip.row.requested_duration_us = *duration;
    clip.row.moment_id = moment_id;
    clip.row.idempotency_key = request.idempotency_key();
    clip.row.mp4_key = ClipMp4Key(rec.id, clip.row.id);
    clip.row.poster_key = ClipPosterKey(rec.id, clip.row.id);
    ASSIGN_OR_RETURN(CreatedClip created, store_.CreateClip(clip, absl::ToUnixMicros(absl::Now())));
    if (created.existed) {
      const ClipRow& e = created.clip;
      if (e.recording_id != rec.id || e.requested_start_us != *start ||
          e.requested_duration_us != *duration || e.moment_id != moment_id) {
        return Error(absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
                     "idempotency_key was used for another clip");
      }
      if (e.deleted) return ClipNotFound();
    } else {
      log::Info("clip_created")
          .Kv("clip_id", created.clip.id)
          .Kv("recording_id", rec.id)
          .Kv("start_us", *start)
          .Kv("duration_us", *duration);
      if (wake_) wake_();
    }
    return ToProto(created.clip);
  }();
  Count("create", result.status());
  return result;
}

absl::StatusOr<v1::Clip> Clips::Get(const std::optional<auth::Caller>& caller,
                                    const v1::GetClipRequest& request) {
  absl::StatusOr<v1::Clip> result = [&]() -> absl::StatusOr<v1::Clip> {
    RETURN_IF_ERROR(RequireId(request.clip_id(), "clip_id"));
    if (!ids::IsValidId(request.clip_id(), "clp")) return ClipNotFound();
    ASSIGN_OR_RETURN(std::optional<ClipRow> row, store_.GetClip(request.clip_id()));
    if (!row || row->deleted) return ClipNotFound();
    absl::StatusOr<RecordingRow> rec = VisibleRecording(caller, row->recording_id);
    if (absl::IsNotFound(rec.status())) return ClipNotFound();
    RETURN_IF_ERROR(rec.status());
    return ToProto(*row);
  }();
  Count("get", result.status());
  return result;
}

absl::StatusOr<v1::ListClipsResponse> Clips::List(const std::optional<auth::Caller>& caller,
                                                  const v1::ListClipsRequest& request) {
  absl::StatusOr<v1::ListClipsResponse> result = [&]() -> absl::StatusOr<v1::ListClipsResponse> {
    RETURN_IF_ERROR(RequireId(request.recording_id(), "recording_id"));
    ASSIGN_OR_RETURN(const int size, PageSize(request.page()));
    const std::string list = absl::StrCat("clips;", request.recording_id());
    std::optional<int64_t> before;
    std::string before_id;
    if (!request.page().page_token().empty()) {
      ASSIGN_OR_RETURN(pagetoken::Cursor cursor,
                       page_tokens_.Decode(list, request.page().page_token()));
      before = cursor.key;
      before_id = cursor.id;
    }
    ASSIGN_OR_RETURN(RecordingRow rec, VisibleRecording(caller, request.recording_id()));
    ASSIGN_OR_RETURN(std::vector<ClipRow> rows,
                     store_.ListClips(rec.id, before, before_id, size + 1));
    v1::ListClipsResponse out;
    const bool more = static_cast<int>(rows.size()) > size;
    if (more) rows.resize(size);
    for (const ClipRow& r : rows) *out.add_clips() = ToProto(r);
    if (more) {
      out.mutable_page()->set_next_page_token(
          page_tokens_.Encode(list, pagetoken::Cursor{rows.back().created_us, rows.back().id}));
    }
    return out;
  }();
  Count("list", result.status());
  return result;
}

absl::Status Clips::Delete(const auth::Caller& caller, const v1::DeleteClipRequest& request) {
  absl::Status result = [&]() -> absl::Status {
    RETURN_IF_ERROR(RequireId(request.clip_id(), "clip_id"));
    if (!ids::IsValidId(request.clip_id(), "clp")) return ClipNotFound();
    ASSIGN_OR_RETURN(std::optional<ClipRow> row, store_.GetClip(request.clip_id()));
    if (!row) return ClipNotFound();
    absl::StatusOr<RecordingRow> rec = VisibleRecording(caller, row->recording_id);
    if (absl::IsNotFound(rec.status())) return ClipNotFound();
    RETURN_IF_ERROR(rec.status());
    if (caller.user_id != rec->host_id) {
      return PermissionDenied("NOT_RECORDING_OWNER", "only the recording's host deletes clips");
    }
    ASSIGN_OR_RETURN(std::optional<ClipRow> before,
                     store_.DeleteClip(row->id, absl::ToUnixMicros(absl::Now())));
    // The objects go now, from every tier they may have aged into (again on a repeated call):
    // a worker finishing later removes what it wrote itself, a mover carrying them discards
    // its copies.
    std::vector<storage::StorageProvider*> providers = {&hot_};
    if (tiers_) {
      for (v1::StorageTier t : {v1::STORAGE_TIER_WARM, v1::STORAGE_TIER_COLD}) {
        if (storage::StorageProvider* p = tiers_(t); p != nullptr && p != &hot_) {
          providers.push_back(p);
        }
      }
    }
    for (storage::StorageProvider* provider : providers) {
      for (const std::string& key : {row->mp4_key, row->poster_key}) {
        absl::Status s =
            provider->Delete(key, storage::CallOptions::WithTimeout(std::chrono::seconds(10)));
        if (!s.ok()) {
          log::Warn("clip_object_not_deleted")
              .Kv("clip_id", row->id)
              .Kv("key", key)
              .Kv("reason", ReasonOf(s));
          return Error(absl::StatusCode::kUnavailable, "STORAGE_UNAVAILABLE",
                       "the clip's media could not be removed yet; retry");
        }
      }
    }
    if (before && !before->deleted) log::Info("clip_deleted").Kv("clip_id", row->id);
    return absl::OkStatus();
  }();
  Count("delete", result);
  return result;
}

absl::StatusOr<v1::ListThumbnailsResponse> Clips::ListThumbnails(
    const std::optional<auth::Caller>& caller, const v1::ListThumbnailsRequest& request) {
  absl::StatusOr<v1::ListThumbnailsResponse> result =
      [&]() -> absl::StatusOr<v1::ListThumbnailsResponse> {
    RETURN_IF_ERROR(RequireId(request.recording_id(), "recording_id"));
    ASSIGN_OR_RETURN(const int size, PageSize(request.page()));
    const std::string list = absl::StrCat("thumbnails;", request.recording_id());
    std::optional<int64_t> after;
    std::string after_id;
    if (!request.page().page_token().empty()) {
      ASSIGN_OR_RETURN(pagetoken::Cursor cursor,
                       page_tokens_.Decode(list, request.page().page_token()));
      after = cursor.key;
      after_id = cursor.id;
    }
    ASSIGN_OR_RETURN(RecordingRow rec, VisibleRecording(caller, request.recording_id()));
    ASSIGN_OR_RETURN(std::vector<ThumbnailRow> rows,
                     store_.ListThumbnails(rec.id, after, after_id, size + 1));
    v1::ListThumbnailsResponse out;
    const bool more = static_cast<int>(rows.size()) > size;
    if (more) rows.resize(size);
    const absl::Time expires = absl::Now() + options_.url_ttl;
    for (const ThumbnailRow& r : rows) {
      v1::Thumbnail* t = out.add_thumbnails();
      t->set_id(r.id);
      t->set_recording_id(r.recording_id);
      SetDuration(r.media_offset_us, t->mutable_media_offset());
      if (image_url_) t->set_url(image_url_(r.recording_id, r.object_key, expires));
      t->set_width(r.width);
      t->set_height(r.height);
      t->set_primary(rec.primary_thumbnail_id.empty() ? r.kind == "poster"
                                                      : r.id == rec.primary_thumbnail_id);
      t->set_moment_id(r.moment_id);
    }
    if (more) {
      out.mutable_page()->set_next_page_token(page_tokens_.Encode(
          list, pagetoken::Cursor{rows.back().media_offset_us, rows.back().id}));
    }
    return out;
  }();
  Count("list_thumbnails", result.status());
  return result;
}

absl::StatusOr<v1::Recording> Clips::SetPrimaryThumbnail(
    const auth::Caller& caller, const v1::SetPrimaryThumbnailRequest& request) {
  absl::StatusOr<v1::Recording> result = [&]() -> absl::StatusOr<v1::Recording> {
    RETURN_IF_ERROR(RequireId(request.recording_id(), "recording_id"));
    RETURN_IF_ERROR(RequireId(request.thumbnail_id(), "thumbnail_id"));
    ASSIGN_OR_RETURN(RecordingRow rec, VisibleRecording(caller, request.recording_id()));
    if (caller.user_id != rec.host_id) {
      return PermissionDenied("NOT_RECORDING_OWNER",
                              "only the recording's host chooses its thumbnail");
    }
    if (!ids::IsValidId(request.thumbnail_id(), "thm")) {
      return NotFound("THUMBNAIL_NOT_FOUND", "no such thumbnail");
    }
    ASSIGN_OR_RETURN(std::optional<ThumbnailRow> thumb,
                     store_.GetThumbnail(request.thumbnail_id()));
    if (!thumb || thumb->recording_id != rec.id || thumb->status != kJobReady) {
      return NotFound("THUMBNAIL_NOT_FOUND", "no such thumbnail of the recording");
    }
    RETURN_IF_ERROR(store_.SetPrimaryThumbnail(rec.id, thumb->id, absl::ToUnixMicros(absl::Now())));
    // The recording as GetRecording shows it (thumbnail_url now the chosen one's).
    if (recording_view_) return recording_view_(caller, rec.id);
    // Without the recordings area (this area's own tests): the fields it reads.
    v1::Recording out;
    out.set_id(rec.id);
    out.set_stream_id(rec.stream_id);
    out.set_host_id(rec.host_id);
    out.set_title(rec.title);
    out.set_status(static_cast<v1::RecordingStatus>(rec.status));
    out.set_decision(static_cast<v1::RetentionDecision>(rec.decision));
    out.set_tier(static_cast<v1::StorageTier>(rec.tier));
    SetDuration(rec.duration_us, out.mutable_duration());
    out.set_version(rec.version);
    if (image_url_) {
      out.set_thumbnail_url(image_url_(rec.id, thumb->object_key, absl::Now() + options_.url_ttl));
    }
    return out;
  }();
  Count("set_primary_thumbnail", result.status());
  return result;
}

}  // namespace shopcast::recording_lifecycle::clips
