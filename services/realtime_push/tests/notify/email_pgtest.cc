// Go-live e-mail through the whole App and a real SMTP server: the message delivered with the
// notification's content and an absolute link to the web app; a refusal (550) leaves the in-app
// entry, marks the e-mail failed and is not retried; a deferral (451) is retried and delivered once
// a relay accepts.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "mail/smtp_mailer.h"
#include "notify/notify_pg_support.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/wait.h"
#include "support/smtp_server.h"

using namespace shopcast::realtime_push::testing;  // NOLINT: test file
namespace mail = shopcast::realtime_push::mail;
using shopcast::realtime_push::AppOverrides;
using shopcast::realtime_push::Config;
using shopcast::realtime_push::Follower;

namespace {

// Three followers: Ada (e-mail, opted in), Bob (no e-mail), Cy (e-mail, opted out).
std::vector<Follower> Three() {
  Follower ada{shopcast::ids::NewId("usr"), "Ada", "ada@example.test", true};
  Follower bob{shopcast::ids::NewId("usr"), "Bob", "", true};
  Follower cy{shopcast::ids::NewId("usr"), "Cy", "cy@example.test", false};
  return {ada, bob, cy};
}

std::string EmailState(RoomsFixture& f, const std::string& user_id, int64_t* attempts = nullptr) {
  const std::string sql = absl::StrCat(
      "SELECT e.attempts FROM notification_emails e JOIN notifications n ON n.id = "
      "e.notification_id WHERE n.user_id = '",
      user_id, "'");
  for (const char* state : {"pending", "sending", "sent", "failed", "unknown"}) {
    if (Count(f.pool(), absl::StrCat("SELECT count(*) FROM notification_emails e JOIN "
                                     "notifications n ON n.id = e.notification_id WHERE "
                                     "n.user_id = '",
                                     user_id, "' AND e.state = '", state, "'")) == 1) {
      if (attempts != nullptr) *attempts = Count(f.pool(), sql);
      return state;
    }
  }
  return "";
}

void SmtpConfig(Config& c, const std::string& url) {
  c.smtp_url = url;
  c.smtp_from = "noreply@shopcast.test";
}

// Sends through the first relay until switched to the second (a relay that comes back).
class SwitchingMailer : public mail::Mailer {
 public:
  SwitchingMailer(const std::string& first, const std::string& second)
      : first_(Make(first)), second_(Make(second)) {}
  absl::Status Send(const mail::MailMessage& m) override {
    mail::Mailer* target = nullptr;
    {
      absl::MutexLock lock(&mu_);
      target = switched_ ? second_.get() : first_.get();
    }
    return target->Send(m);
  }
  void Switch() {
    absl::MutexLock lock(&mu_);
    switched_ = true;
  }

 private:
  static std::unique_ptr<mail::Mailer> Make(const std::string& url) {
    mail::SmtpOptions o;
    o.url = url;
    auto m = mail::SmtpMailer::Create(o);
    REQUIRE(m.ok());
    return *std::move(m);
  }
  std::unique_ptr<mail::Mailer> first_, second_;
  absl::Mutex mu_;
  bool switched_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

TEST_CASE("e-mail: the go-live e-mail reaches the relay with the notification's content") {
  SmtpTestServer smtp;
  RoomsFixture f;
  const auto list = Three();
  FixedFollowers followers(list);
  auto& a = f.AddReplica(
      [&](Config& c) {
        SmtpConfig(c, smtp.url());
        c.web_base_url = "https://shop.example";
      },
      AppOverrides{&followers, nullptr});
  const std::string stream = GoLive(a, f.Peer(), "usr_host", "Vinyl night");
  REQUIRE(smtp.WaitForMessages(1, absl::Seconds(30)));
  REQUIRE(shopcast::testing::WaitUntil([&] { return EmailState(f, list[0].user_id) == "sent"; },
                                       absl::Seconds(30)));
  const auto messages = smtp.Messages();
  REQUIRE(messages.size() == 1);
  const auto& m = messages[0];
  REQUIRE(m.mail_from == "noreply@shopcast.test");
  REQUIRE(m.rcpt_tos == std::vector<std::string>{"ada@example.test"});
  REQUIRE(m.subject == "Live now: Vinyl night");
  REQUIRE(m.body.find("Hi Ada,") != std::string::npos);
  // a link the reader's mail program opens (the gateway sends /live/<stream> to its page)
  const size_t link = m.body.find("Open in Shopcast: https://shop.example/live/" + stream);
  REQUIRE(link != std::string::npos);
  REQUIRE(m.body.find_first_of("\r\n", link) == link + 44 + stream.size());
  REQUIRE(m.defects.empty());
  // Bob got the in-app entry only; Cy nothing.
  REQUIRE(EmailState(f, list[1].user_id).empty());
  REQUIRE(Count(f.pool(), absl::StrCat("SELECT count(*) FROM notifications WHERE user_id = '",
                                       list[1].user_id, "'")) == 1);
  REQUIRE(Count(f.pool(), absl::StrCat("SELECT count(*) FROM notifications WHERE user_id = '",
                                       list[2].user_id, "'")) == 0);
}

TEST_CASE("e-mail: a refusing relay (550) fails the e-mail once, the in-app entry stays") {
  SmtpTestServer smtp(SmtpTestServer::Mode::kRejectRcpt);
  RoomsFixture f;
  const auto list = Three();
  FixedFollowers followers(list);
  auto& a = f.AddReplica([&](Config& c) { SmtpConfig(c, smtp.url()); },
                         AppOverrides{&followers, nullptr});
  GoLive(a, f.Peer(), "usr_host", "Refused");
  REQUIRE(shopcast::testing::WaitUntil([&] { return EmailState(f, list[0].user_id) == "failed"; },
                                       absl::Seconds(30)));
  int64_t attempts = 0;
  EmailState(f, list[0].user_id, &attempts);
  REQUIRE(attempts == 1);  // 'failed' is final: never claimed again
  REQUIRE(Count(f.pool(),
                "SELECT count(*) FROM notification_emails WHERE last_error = "
                "'SMTP_REJECTED'") == 1);
  REQUIRE(Count(f.pool(), absl::StrCat("SELECT count(*) FROM notifications WHERE user_id = '",
                                       list[0].user_id, "'")) == 1);
  REQUIRE(smtp.Messages().empty());
}

TEST_CASE("e-mail: a deferring relay (451) is retried and the e-mail delivered once it accepts") {
  SmtpTestServer deferring(SmtpTestServer::Mode::kDeferRcpt);
  SmtpTestServer accepting;
  SwitchingMailer mailer(deferring.url(), accepting.url());
  RoomsFixture f;
  const auto list = Three();
  FixedFollowers followers(list);
  auto& a = f.AddReplica([&](Config& c) { SmtpConfig(c, deferring.url()); },
                         AppOverrides{&followers, &mailer});
  GoLive(a, f.Peer(), "usr_host", "Later");
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        return Count(f.pool(),
                     "SELECT count(*) FROM notification_emails WHERE state = 'pending' "
                     "AND attempts >= 1 AND last_error = 'SMTP_UNAVAILABLE'") == 1;
      },
      absl::Seconds(30)));
  mailer.Switch();
  REQUIRE(accepting.WaitForMessages(1, absl::Seconds(60)));
  REQUIRE(shopcast::testing::WaitUntil([&] { return EmailState(f, list[0].user_id) == "sent"; },
                                       absl::Seconds(30)));
  REQUIRE(accepting.Messages().size() == 1);
  REQUIRE(deferring.Messages().empty());
}
