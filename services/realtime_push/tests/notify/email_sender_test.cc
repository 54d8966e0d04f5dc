// The e-mail sender against a fake outbox and a scripted mailer: sent once on OK, retried with
// backoff only when the mailer says it is safe, given up on a refusal or after max_attempts,
// and never resent when the outcome is unknown (or its sender vanished mid-send).
#include "notify/email_sender.h"

#include <catch2/catch.hpp>
#include <deque>
#include <map>

#include "absl/time/clock.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::notify {
namespace {

class ScriptedMailer : public mail::Mailer {
 public:
  absl::Status Send(const mail::MailMessage& m) override {
    sent_.push_back(m);
    if (script_.empty()) return absl::OkStatus();
    absl::Status s = script_.front();
    script_.pop_front();
    return s;
  }
  std::deque<absl::Status> script_;
  std::vector<mail::MailMessage> sent_;
};

struct Row {
  EmailJob job;
  std::string state = "pending";
  absl::Time next_at = absl::InfinitePast();
  absl::Time lease_until = absl::InfinitePast();
  std::string detail;
};

class FakeEmailStore : public EmailStore {
 public:
  void Add(const std::string& id) {
    rows_[id].job = EmailJob{id, id + "@example.test", "Subject " + id, "Body", 0};
  }
  absl::StatusOr<std::vector<EmailJob>> Claim(absl::Time now, absl::Time lease_until,
                                              int limit) override {
    std::vector<EmailJob> out;
    for (auto& [id, r] : rows_) {
      if (static_cast<int>(out.size()) == limit) break;
      if (r.state != "pending" || r.next_at > now) continue;
      r.state = "sending";
      r.lease_until = lease_until;
      ++r.job.attempts;
      out.push_back(r.job);
    }
    return out;
  }
  absl::Status Finish(const std::string& id, EmailResult result, const std::string& detail,
                      absl::Time) override {
    Row& r = rows_.at(id);
    REQUIRE(r.state == "sending");
    r.state = result == EmailResult::kSent     ? "sent"
              : result == EmailResult::kFailed ? "failed"
                                               : "unknown";
    r.detail = detail;
    return absl::OkStatus();
  }
  absl::Status Retry(const std::string& id, absl::Time at, const std::string& detail) override {
    Row& r = rows_.at(id);
    REQUIRE(r.state == "sending");
    r.state = "pending";
    r.next_at = at;
    r.detail = detail;
    return absl::OkStatus();
  }
  absl::StatusOr<int64_t> ReapLost(absl::Time now) override {
    int64_t n = 0;
    for (auto& [id, r] : rows_) {
      if (r.state == "sending" && r.lease_until < now) {
        r.state = "unknown";
        r.detail = "SENDER_LOST";
        ++n;
      }
    }
    return n;
  }
  // Moves every retry's time to now.
  void MakeDue() {
    for (auto& [id, r] : rows_) r.next_at = absl::InfinitePast();
  }
  std::map<std::string, Row> rows_;
};

EmailOptions Options() {
  EmailOptions o;
  o.from = "noreply@shopcast.test";
  o.max_attempts = 3;
  return o;
}

absl::Status Unavailable() {
  return Error(absl::StatusCode::kUnavailable, mail::kSmtpUnavailable, "451 try later");
}

}  // namespace

TEST_CASE("email: an accepted message is marked sent and carries the notification's id") {
  FakeEmailStore store;
  store.Add("ntf_a");
  ScriptedMailer mailer;
  EmailSender sender(store, mailer, Options(), nullptr);
  REQUIRE(*sender.RunOnce() == 1);
  REQUIRE(store.rows_["ntf_a"].state == "sent");
  REQUIRE(mailer.sent_.size() == 1);
  REQUIRE(mailer.sent_[0].message_id == "ntf_a");
  REQUIRE(mailer.sent_[0].from == "noreply@shopcast.test");
  REQUIRE(mailer.sent_[0].to == "ntf_a@example.test");
  REQUIRE(*sender.RunOnce() == 0);
  REQUIRE(mailer.sent_.size() == 1);
}

TEST_CASE("email: a temporary failure is retried later with backoff, then sent once") {
  FakeEmailStore store;
  store.Add("ntf_a");
  ScriptedMailer mailer;
  mailer.script_ = {Unavailable()};
  EmailSender sender(store, mailer, Options(), nullptr);
  const absl::Time before = absl::Now();
  REQUIRE(*sender.RunOnce() == 1);
  REQUIRE(store.rows_["ntf_a"].state == "pending");
  REQUIRE(store.rows_["ntf_a"].next_at > before);
  REQUIRE(store.rows_["ntf_a"].detail == mail::kSmtpUnavailable);
  REQUIRE(*sender.RunOnce() == 0);  // not due yet
  store.MakeDue();
  REQUIRE(*sender.RunOnce() == 1);
  REQUIRE(store.rows_["ntf_a"].state == "sent");
  REQUIRE(mailer.sent_.size() == 2);
}

TEST_CASE("email: temporary failures give up after max_attempts") {
  FakeEmailStore store;
  store.Add("ntf_a");
  ScriptedMailer mailer;
  mailer.script_ = {Unavailable(), Unavailable(), Unavailable(), Unavailable()};
  EmailSender sender(store, mailer, Options(), nullptr);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(*sender.RunOnce() == 1);
    store.MakeDue();
  }
  REQUIRE(store.rows_["ntf_a"].state == "failed");
  REQUIRE(store.rows_["ntf_a"].detail == "SMTP_RETRIES_EXHAUSTED");
  REQUIRE(*sender.RunOnce() == 0);
  REQUIRE(mailer.sent_.size() == 3);
}

TEST_CASE("email: a refusal is final") {
  FakeEmailStore store;
  store.Add("ntf_a");
  ScriptedMailer mailer;
  mailer.script_ = {Error(absl::StatusCode::kFailedPrecondition, mail::kSmtpRejected, "550")};
  EmailSender sender(store, mailer, Options(), nullptr);
  REQUIRE(*sender.RunOnce() == 1);
  REQUIRE(store.rows_["ntf_a"].state == "failed");
  REQUIRE(store.rows_["ntf_a"].detail == mail::kSmtpRejected);
  store.MakeDue();
  REQUIRE(*sender.RunOnce() == 0);
  REQUIRE(mailer.sent_.size() == 1);
}

TEST_CASE("email: an unknown outcome is recorded and never resent") {
  FakeEmailStore store;
  store.Add("ntf_a");
  ScriptedMailer mailer;
  mailer.script_ = {Error(absl::StatusCode::kUnknown, mail::kSmtpOutcomeUnknown, "no reply")};
  prometheus::Registry registry;
  NotifyMetrics metrics(&registry);
  EmailSender sender(store, mailer, Options(), &metrics);
  REQUIRE(*sender.RunOnce() == 1);
  REQUIRE(store.rows_["ntf_a"].state == "unknown");
  REQUIRE(store.rows_["ntf_a"].detail == mail::kSmtpOutcomeUnknown);
  store.MakeDue();
  REQUIRE(*sender.RunOnce() == 0);
  REQUIRE(mailer.sent_.size() == 1);
  bool counted = false;
  for (const auto& family : registry.Collect()) {
    if (family.name != "shopcast_realtime_push_emails_total") continue;
    for (const auto& m : family.metric) {
      for (const auto& l : m.label) {
        if (l.value == "outcome_unknown" && m.counter.value == 1) counted = true;
      }
    }
  }
  REQUIRE(counted);
}

TEST_CASE("email: a sender lost mid-send leaves an unknown outcome, not a second copy") {
  FakeEmailStore store;
  store.Add("ntf_a");
  ScriptedMailer mailer;
  EmailSender sender(store, mailer, Options(), nullptr);
  // A sender claimed it and vanished: its lease has passed.
  REQUIRE(store.Claim(absl::Now(), absl::Now() - absl::Seconds(1), 10)->size() == 1);
  REQUIRE(*sender.RunOnce() == 0);
  REQUIRE(store.rows_["ntf_a"].state == "unknown");
  REQUIRE(store.rows_["ntf_a"].detail == "SENDER_LOST");
  REQUIRE(mailer.sent_.empty());
}

}  // namespace shopcast::realtime_push::notify
