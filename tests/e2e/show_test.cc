// One live show, end to end, on the whole suite as real processes (tests/suite), driven the way
// clients drive it: the host's encoder (a real ffmpeg) publishes over RTMP; viewers register and
// log in, follow the host and watch over the gateway's WebSocket (500 sockets on one I/O
// thread); the host lists a product, pins it and runs a flash sale; 200 viewers buy at once,
// each twice in parallel against their own limit; an auction is sniped in its last seconds and
// extended; every order is paid through order's payment provider; the host ends the stream and
// saves it; the recording (recording-lifecycle) has a marker at every sale and a sale's playback
// URL plays through the gateway's /vod/; the seller's stats are the sum of the orders; every
// follower got one go-live notification.
//
// Seeking to a sale shows the right frame: the encoder burns a frame counter into its picture
// (recording-lifecycle's clip_media CounterFilter). For the auction's sale and the first and
// last flash-sale claims, the frame the encoder made at the sale's moment (the reservation's
// created_at, the claim time order gives the recording) is derived while the stream is live from
// video-ingest's live playlist alone; after the show the frame the VOD shows at the sale's marker,
// fetched through the gateway's /vod/, must be that frame (frame_proof.h, ±1 frame).
//
// The same show runs twice: on the suite as deployed with one replica of each service, and with
// two replicas of every stateless service (gateway, user, product-inventory, order,
// realtime-push, recording-lifecycle) where one replica of each is SIGKILLed during the flash
// sale (issue 14 §1). There the viewers are spread over both gateways; those on the killed one
// reconnect to the other and follow the room again after their last sequence (no gap, no
// duplicate), and every call in flight to a killed replica is repeated with the same
// idempotency key; every assertion of the show holds as in the first run.
//
// SHOPCAST_E2E_SHOW_VIEWERS / _BUYERS override the crowd (500 / 200) for a longer run by hand.

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/blocking_counter.h"
#include "catalog.h"
#include "clips/clip_media.h"  // the encoder's burned-in frame counter
#include "frame_proof.h"       // the frame at a marker against the frame at the sale
#include "grpcpp/grpcpp.h"
#include "ingest_fixture.h"  // video-ingest's real encoder (Publisher), RunTool
#include "shopcast/ids/ids.h"
#include "shopcast/order/v1/order.grpc.pb.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.grpc.pb.h"
#include "shopcast/testing/net.h"
#include "shopcast/testing/wait.h"
#include "shopcast/user/v1/user.grpc.pb.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"
#include "suite.h"
#include "ws_crowd.h"

namespace shopcast::e2e {
namespace {

namespace pi = ::shopcast::product_inventory::v1;
namespace od = ::shopcast::order::v1;
namespace rp = ::shopcast::realtime_push::v1;
namespace rl = ::shopcast::recording_lifecycle::v1;
namespace us = ::shopcast::user::v1;
namespace vi = ::shopcast::video_ingest::v1;
using suite::Account;
using suite::Suite;
using Frames = WsCrowd::Frames;

constexpr int64_t kFlashUnits = 60;  // the flash sale's stock
constexpr int kPerBuyer = 2;         // the product's purchase limit and the sale's per-buyer cap
constexpr int64_t kRegularPrice = 2500, kDealPrice = 1900;
// The encoder's frame counter: frame n shows kFirstFrame + n, in 16-pixel blocks (its picture is
// 640×360).
constexpr int64_t kFirstFrame = 1000;
constexpr int kCounterBlock = 16;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  int out = 0;
  return v != nullptr && absl::SimpleAtoi(v, &out) && out > 0 ? out : fallback;
}

void Prepare(grpc::ClientContext& ctx, const std::string& token, int seconds = 30) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
}

// No answer from the replica the call went to (killed under it, or not yet known dead by the
// channel's round_robin): the client repeats the same request, with the same idempotency key.
bool Retryable(const grpc::Status& s) { return s.error_code() == grpc::StatusCode::UNAVAILABLE; }

// A unary call with a deadline and the caller's token, repeated while it got no answer.
template <typename Stub, typename Req, typename Res>
grpc::Status Call(Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Res*),
                  const std::string& token, const Req& request, Res* response) {
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (true) {
    grpc::ClientContext ctx;
    Prepare(ctx, token);
    grpc::Status s = (stub.*method)(&ctx, request, response);
    if (!Retryable(s) || absl::Now() > give_up) return s;
    absl::SleepFor(absl::Milliseconds(100));
  }
}

// Every request of `batch` at once (asynchronous), then again those that got no answer (same
// request, same idempotency key, fresh deadline) until each has a final answer. `start` issues
// one: (context, index, done-callback).
void AllAtOnce(size_t count, std::vector<grpc::Status>& statuses,
               const std::function<void(grpc::ClientContext*, size_t,
                                        std::function<void(grpc::Status)>)>& start,
               const std::function<std::string(size_t)>& token_of, int* repeated) {
  statuses.assign(count, grpc::Status(grpc::StatusCode::UNAVAILABLE, "not sent"));
  std::vector<size_t> todo(count);
  for (size_t i = 0; i < count; ++i) todo[i] = i;
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  for (int round = 0; !todo.empty(); ++round) {
    std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
    absl::BlockingCounter done(static_cast<int>(todo.size()));
    for (size_t i : todo) {
      contexts.push_back(std::make_unique<grpc::ClientContext>());
      Prepare(*contexts.back(), token_of(i), 60);
      start(contexts.back().get(), i, [&done, &statuses, i](grpc::Status s) {
        statuses[i] = std::move(s);
        done.DecrementCount();
      });
    }
    done.Wait();
    std::vector<size_t> again;
    for (size_t i : todo) {
      if (Retryable(statuses[i])) again.push_back(i);
    }
    if (round > 0 && repeated != nullptr) *repeated += static_cast<int>(todo.size());
    todo = std::move(again);
    if (absl::Now() > give_up) break;
    if (!todo.empty()) absl::SleepFor(absl::Milliseconds(200));
  }
}

// As Call, but the test fails (with the status) unless it is OK.
template <typename Stub, typename Req, typename Res>
Res Must(Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Res*),
         const std::string& token, const Req& request, const char* what) {
  Res response;
  const grpc::Status s = Call(stub, method, token, request, &response);
  INFO(what << ": " << s.error_code() << " " << s.error_message());
  REQUIRE(s.ok());
  return response;
}

common::v1::Money Usd(int64_t minor) {
  common::v1::Money m;
  m.set_amount_minor(minor);
  m.set_currency("USD");
  return m;
}

google::protobuf::Duration Seconds(int64_t s) {
  google::protobuf::Duration d;
  d.set_seconds(s);
  return d;
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

od::PlaceOrderRequest OrderFor(const std::string& reservation_id, const std::string& buyer) {
  od::PlaceOrderRequest r;
  r.set_reservation_id(reservation_id);
  r.set_idempotency_key("order-" + reservation_id);
  od::ShippingAddress* a = r.mutable_shipping_address();
  a->set_recipient_name(buyer);
  a->set_line1("12 Analytical Row");
  a->set_city("London");
  a->set_postal_code("N1 9GU");
  a->set_country_code("GB");
  // The simulated provider's card that authorizes (order's README, Checkout).
  r.mutable_payment_method()->mutable_placeholder()->set_token("pm_test_approve");
  return r;
}

// ---- what a viewer's socket saw ----

bool HasRoomStarted(const Frames& frames) {
  for (const auto& f : frames) {
    if (f.has_room_started()) return true;
  }
  return false;
}

// The durable room events after the snapshot, in arrival order.
std::vector<rp::RoomEvent> Durable(const Frames& frames) {
  std::vector<rp::RoomEvent> out;
  for (const auto& f : frames) {
    if (f.has_room_event() && !f.room_event().ephemeral()) out.push_back(f.room_event());
  }
  return out;
}

int64_t SnapshotSequence(const Frames& frames) {
  for (const auto& f : frames) {
    if (f.has_room_started()) return f.room_started().started().snapshot().sequence();
  }
  return -1;
}

int CountSales(const Frames& frames) {
  int n = 0;
  for (const auto& f : frames) {
    n += f.has_room_event() && f.room_event().has_sale_ticker() ? 1 : 0;
  }
  return n;
}

// Distinct go-live notifications for the stream (a socket that reconnected may be told again).
int GoLiveNotifications(const Frames& frames, const std::string& stream_id) {
  std::set<std::string> ids;
  for (const auto& f : frames) {
    if (f.has_notification() &&
        f.notification().kind() == rp::NOTIFICATION_KIND_FOLLOWED_HOST_LIVE &&
        f.notification().stream_id() == stream_id) {
      ids.insert(f.notification().id());
    }
  }
  return static_cast<int>(ids.size());
}

// The last durable room sequence a socket applied (its snapshot's, before any event).
int64_t LastApplied(const Frames& frames) {
  int64_t last = SnapshotSequence(frames);
  for (const auto& f : frames) {
    if (f.has_room_event() && !f.room_event().ephemeral()) last = f.room_event().sequence();
  }
  return std::max<int64_t>(last, 0);
}

bool HasAuthAck(const Frames& frames) {
  for (const auto& f : frames) {
    if (f.has_ack() && f.ack().has_authenticated()) return true;
  }
  return false;
}

bool HasUnreadCount(const Frames& frames) {
  for (const auto& f : frames) {
    if (f.body_case() == gateway::v1::ServerFrame::kUnreadNotifications) return true;
  }
  return false;
}

std::string Describe(const Frames& frames) {
  std::string out;
  for (const auto& f : frames) out += f.ShortDebugString().substr(0, 300) + "\n";
  return out;
}

std::string FirstWithout(const WsCrowd& crowd, bool (*pred)(const Frames&), int n) {
  for (int i = 0; i < n; ++i) {
    Frames f = crowd.FramesOf(i);
    if (!pred(f)) return absl::StrCat("socket ", i, ":\n", Describe(f));
  }
  return "";
}

bool HasErrorFrame(const Frames& frames) {
  for (const auto& f : frames) {
    if (f.has_error()) return true;
  }
  return false;
}

struct ShowOptions {
  // Replicas of each stateless service (SuiteOptions::replicas).
  int replicas = 1;
  // SIGKILL one replica of each stateless service during the flash sale (replicas 2).
  bool kill_one_of_each = false;
};

// One replica of each stateless service: the gateway serving the even sockets, and the others
// spread over both replica numbers. product-inventory dies as the holds go out, order as the
// checkouts do, the rest 400 ms apart after.
const std::vector<std::pair<std::string, int>> kKills = {
    {"product-inventory", 0}, {"order", 1}, {"gateway", 0},
    {"realtime-push", 0},     {"user", 1},  {"recording-lifecycle", 1}};

void RunShow(const ShowOptions& show) {
  const absl::Time test_start = absl::Now();
  const int viewers = EnvInt("SHOPCAST_E2E_SHOW_VIEWERS", 500);
  const int buyers = std::min(EnvInt("SHOPCAST_E2E_SHOW_BUYERS", 200), viewers);

  suite::SuiteOptions options;
  options.replicas = show.replicas;
  options.extra_env = {
      // Every viewer registers from 127.0.0.1.
      "SHOPCAST_USER_REGISTRATIONS_PER_ADDRESS=100000",
      // Clips are not this show's subject; cutting one per sale would take the machine.
      "SHOPCAST_RECORDING_LIFECYCLE_CLIP_AUTO=false",
      // A checkout whose order replica died resumes on the other within seconds.
      "SHOPCAST_ORDER_SAGA_LEASE=3s",
      // The live playlist keeps the whole show (1 s segments): the frame proof reads the sales'
      // segments there, while live.
      "SHOPCAST_VIDEO_INGEST_PLAYLIST_WINDOW=90",
  };
  Suite suite(options);
  // The gateway that stays up, for what the test fetches over HTTP at the end.
  const int live_gateway = suite.replicas("gateway") - 1;
  // Where the time goes, in the CI log.
  auto timing = [&](const char* step) {
    std::fprintf(stderr, "show: %s at %.1f s\n", step,
                 absl::ToDoubleSeconds(absl::Now() - test_start));
  };
  timing("suite up");

  // Every replica of a service as one round_robin target (as the gateway and peers dial them).
  auto users = us::UserService::NewStub(suite.PeerChannel("user"));
  auto ingest = vi::VideoIngestService::NewStub(suite.PeerChannel("video-ingest"));
  auto inventory = pi::ProductInventoryService::NewStub(suite.PeerChannel("product-inventory"));
  auto orders = od::OrderService::NewStub(suite.PeerChannel("order"));
  auto push = rp::RealtimePushService::NewStub(suite.PeerChannel("realtime-push"));
  auto recordings =
      rl::RecordingLifecycleService::NewStub(suite.PeerChannel("recording-lifecycle"));

  // ---- the people: the operator makes the host and an admin; viewers register themselves ----
  const Account host = suite.CreateAccount("show_host", auth::Role::kHost);
  const Account admin = suite.CreateAccount("show_admin", auth::Role::kAdmin);
  const std::string host_token = suite.Login(host);
  const std::string admin_token = suite.Login(admin);

  // Buyers register, log in and follow the host (4 at a time: the user service hashes
  // passwords with Argon2id, a few at once).
  struct Buyer {
    std::string id, name, token;
  };
  std::vector<Buyer> people(static_cast<size_t>(buyers));
  {
    std::atomic<int> next{0};
    std::mutex errors_mu;
    std::vector<std::string> errors;
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w) {
      workers.emplace_back([&] {
        for (int i = next++; i < buyers; i = next++) {
          Buyer& b = people[static_cast<size_t>(i)];
          b.name = absl::StrCat("viewer", i);
          us::RegisterRequest reg;
          reg.set_username(b.name);
          reg.set_email(b.name + "@shopcast.test");
          reg.set_password("a long shopping password");
          us::RegisterResponse registered;
          grpc::Status s = Call(*users, &us::UserService::Stub::Register, "", reg, &registered);
          us::LoginRequest login;
          login.set_login(b.name);
          login.set_password("a long shopping password");
          us::LoginResponse logged_in;
          if (s.ok()) s = Call(*users, &us::UserService::Stub::Login, "", login, &logged_in);
          us::FollowRequest follow;
          follow.set_user_id(host.id);
          us::FollowResponse followed;
          if (s.ok()) {
            b.id = logged_in.user().id();
            b.token = logged_in.tokens().access_token();
            s = Call(*users, &us::UserService::Stub::Follow, b.token, follow, &followed);
          }
          if (!s.ok()) {
            std::lock_guard<std::mutex> lock(errors_mu);
            errors.push_back(b.name + ": " + s.error_message());
          }
        }
      });
    }
    for (auto& t : workers) t.join();
    INFO((errors.empty() ? std::string() : errors.front()));
    REQUIRE(errors.empty());
  }
  timing("buyers registered, logged in, following");

  // ---- the crowd: every viewer's socket; the buyers sign in and open their notifications ----
  // Viewers are spread over the gateways (socket i on gateway i % replicas); a socket whose
  // gateway dies reconnects to the next one, signs in again, reopens its notifications and
  // follows the room after the last sequence it applied.
  std::vector<int> gateway_ports;
  for (int g = 0; g < suite.replicas("gateway"); ++g) {
    gateway_ports.push_back(suite.endpoints("gateway", g).http);
  }
  std::string stream_id;  // set once the host is live, before any socket can need a resume
  auto sign_in = [&](int i) {
    gateway::v1::ClientFrame auth;
    auth.set_frame_id("auth");
    auth.mutable_authenticate()->set_access_token(people[static_cast<size_t>(i)].token);
    return auth;
  };
  auto open_notes = [](const char* id) {
    gateway::v1::ClientFrame notes;
    notes.set_frame_id(id);
    notes.mutable_subscribe_notifications()->set_enabled(true);
    return notes;
  };
  auto follow_room = [&](int64_t after) {
    gateway::v1::ClientFrame sub;
    sub.set_frame_id(after > 0 ? "resume" : "room");
    sub.mutable_subscribe_room()->set_stream_id(stream_id);
    sub.mutable_subscribe_room()->set_after_sequence(after);
    return sub;
  };
  WsCrowd crowd(gateway_ports, viewers, [&](int i, const Frames& so_far) {
    std::vector<gateway::v1::ClientFrame> first;
    if (i < buyers) {
      // Straight behind `authenticate`: the gateway holds them until its check ends.
      first.push_back(sign_in(i));
      first.push_back(open_notes("notes-again"));
    }
    if (HasRoomStarted(so_far)) first.push_back(follow_room(LastApplied(so_far)));
    return first;
  });
  for (int i = 0; i < buyers; ++i) {
    crowd.Send(i, sign_in(i));
    // Odd buyers open their notifications right behind `authenticate` (the gateway handles the
    // frame after the check, as the signed-in user); even ones wait for the ack first, as the
    // web app does.
    if (i % 2 == 1) crowd.Send(i, open_notes("notes"));
  }
  REQUIRE(crowd.WaitAll(HasAuthAck, absl::Seconds(60), 0, buyers));
  for (int i = 0; i < buyers; i += 2) crowd.Send(i, open_notes("notes"));
  {
    const bool notes_open = crowd.WaitAll(HasUnreadCount, absl::Seconds(60), 0, buyers);
    INFO(crowd.Count(HasUnreadCount, 0, buyers) << " of " << buyers << "; first without:\n"
                                                << FirstWithout(crowd, HasUnreadCount, buyers));
    REQUIRE(notes_open);
  }
  CHECK(crowd.Count(HasErrorFrame) == 0);
  timing("crowd connected");

  // ---- the host goes live: a real encoder over RTMP ----
  vi::CreateStreamRequest create;
  create.set_title("Friday flash show");
  create.set_idempotency_key(ids::NewId("key"));
  const vi::CreateStreamResponse created = Must(
      *ingest, &vi::VideoIngestService::Stub::CreateStream, host_token, create, "CreateStream");
  stream_id = created.stream().id();
  video_ingest::e2e::Publisher encoder(
      video_ingest::e2e::Publisher::Kind::kFfmpegRtmp,
      suite.RtmpUrl(created.endpoints().stream_key()), 300, suite.File("ffmpeg.log"),
      recording_lifecycle::clips::testing::CounterFilter(kFirstFrame, kCounterBlock));
  // The frame the encoder made at a sale's moment, read from video-ingest's live playlist while
  // the stream is live (once a segment at or after the moment is listed).
  recording_lifecycle::testing::LiveSegments live_segments;
  const int hls_port = suite.endpoints("video-ingest").hls;
  auto frame_at = [&](absl::Time moment) {
    const int64_t at_us = absl::ToUnixMicros(moment);
    REQUIRE(shopcast::testing::WaitUntil(
        [&] {
          recording_lifecycle::testing::MergeLive(
              video_ingest::e2e::ReadLivePlaylist(hls_port, stream_id), live_segments);
          return !live_segments.empty() &&
                 absl::ToUnixMicros(live_segments.rbegin()->second.program_date_time) +
                         static_cast<int64_t>(live_segments.rbegin()->second.duration * 1e6) >
                     at_us;
        },
        absl::Seconds(20), absl::Milliseconds(100)));
    return recording_lifecycle::testing::FrameAtMoment(live_segments, hls_port, stream_id, at_us,
                                                       kCounterBlock);
  };
  // Order id → the frame at its sale's moment.
  std::map<std::string, int64_t> expected_frame;
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        vi::GetStreamRequest get;
        get.set_stream_id(stream_id);
        vi::GetStreamResponse got;
        return Call(*ingest, &vi::VideoIngestService::Stub::GetStream, host_token, get, &got)
                   .ok() &&
               got.stream().status() == common::v1::STREAM_STATUS_LIVE;
      },
      absl::Seconds(60)));
  timing("live");

  // Every viewer follows the room (buyers signed in, the others anonymous).
  for (int i = 0; i < viewers; ++i) crowd.Send(i, follow_room(0));
  REQUIRE(crowd.WaitAll(HasRoomStarted, absl::Seconds(60)));
  CHECK(crowd.Count(HasErrorFrame) == 0);
  timing("crowd in the room");

  // ---- the host lists a product in the stream, pins it and runs a flash sale ----
  const pi::CreateProductTypeRequest type_req = suite::MugTypeRequest();
  const auto type = Must(*inventory, &pi::ProductInventoryService::Stub::CreateProductType,
                         admin_token, type_req, "CreateProductType");
  const pi::CreateShippingProfileRequest profile_req = suite::StandardShippingRequest("GB");
  const auto shipping = Must(*inventory, &pi::ProductInventoryService::Stub::CreateShippingProfile,
                             host_token, profile_req, "CreateShippingProfile");
  auto make_product = [&](const std::string& title, bool auction) {
    pi::CreateProductRequest req;
    pi::Product* p = req.mutable_product();
    p->set_stream_id(stream_id);
    p->set_product_type_id(type.product_type().id());
    p->set_title(title);
    p->set_shipping_profile_id(shipping.shipping_profile().id());
    if (auction) {
      p->set_sale_mode(pi::SALE_MODE_AUCTION);
      pi::AuctionSettings* a = p->mutable_auction_settings();
      *a->mutable_starting_bid() = Usd(1000);
      *a->mutable_duration() = Seconds(10);
      // A bid in the last 4 s extends the auction to 6 s after it.
      *a->mutable_anti_snipe_window() = Seconds(4);
      *a->mutable_anti_snipe_extension() = Seconds(6);
      req.set_initial_stock(1);
    } else {
      p->set_sale_mode(pi::SALE_MODE_FIXED_PRICE);
      *p->mutable_price() = Usd(kRegularPrice);
      p->mutable_purchase_limit()->set_max_quantity_per_user(kPerBuyer);
      req.set_initial_stock(kFlashUnits);
    }
    req.set_idempotency_key(auction ? "product-lot" : "product-flash");
    return Must(*inventory, &pi::ProductInventoryService::Stub::CreateProduct, host_token, req,
                "CreateProduct")
        .product()
        .id();
  };
  const std::string mug = make_product("Enamel mug", false);
  pi::PinProductRequest pin;
  pin.set_stream_id(stream_id);
  pin.set_product_id(mug);
  Must(*inventory, &pi::ProductInventoryService::Stub::PinProduct, host_token, pin, "PinProduct");
  pi::ScheduleFlashSaleRequest flash;
  flash.set_product_id(mug);
  *flash.mutable_sale()->mutable_deal_price() = Usd(kDealPrice);
  flash.mutable_sale()->set_stock_cap(kFlashUnits);
  flash.mutable_sale()->set_per_user_cap(kPerBuyer);
  *flash.mutable_countdown() = Seconds(0);
  *flash.mutable_duration() = Seconds(600);
  Must(*inventory, &pi::ProductInventoryService::Stub::ScheduleFlashSale, host_token, flash,
       "ScheduleFlashSale");
  timing("product pinned, flash sale open");

  // ---- mid-show, one replica of each stateless service dies: during the rush below ----
  std::thread killer;
  std::atomic<bool> checkouts_started{false};
  struct Joiner {
    std::thread& t;
    ~Joiner() {
      if (t.joinable()) t.join();
    }
  } join_killer{killer};
  std::vector<std::string> killed;
  if (show.kill_one_of_each) {
    // The buyers' go-live notifications have arrived (the final check counts them once).
    REQUIRE(crowd.WaitAll([&](const Frames& f) { return GoLiveNotifications(f, stream_id) >= 1; },
                          absl::Seconds(30), 0, buyers));
    killer = std::thread([&] {
      for (const auto& [service, replica] : kKills) {
        if (service == "product-inventory") {
          absl::SleepFor(absl::Milliseconds(30));  // the holds are on the wire
        } else if (service == "order") {
          shopcast::testing::WaitUntil([&] { return checkouts_started.load(); }, absl::Seconds(60));
          absl::SleepFor(absl::Milliseconds(30));
        } else {
          absl::SleepFor(absl::Milliseconds(400));
        }
        suite.KillReplica(service, replica);
        killed.push_back(absl::StrCat(service, "#", replica));
      }
    });
  }
  int repeated_calls = 0;

  // ---- 200 buyers at once, each with two racing holds of the limit ----
  struct Attempt {
    int buyer = 0;
    pi::ReserveRequest request;
    pi::ReserveResponse response;
    grpc::Status status;
  };
  std::vector<std::unique_ptr<Attempt>> attempts;
  for (int i = 0; i < buyers; ++i) {
    for (int k = 0; k < 2; ++k) {
      auto a = std::make_unique<Attempt>();
      a->buyer = i;
      a->request.set_product_id(mug);
      a->request.set_quantity(kPerBuyer);
      a->request.set_idempotency_key(absl::StrCat("hold-", k));
      attempts.push_back(std::move(a));
    }
  }
  {
    std::vector<grpc::Status> statuses;
    AllAtOnce(
        attempts.size(), statuses,
        [&](grpc::ClientContext* ctx, size_t i, std::function<void(grpc::Status)> done) {
          Attempt* a = attempts[i].get();
          a->response.Clear();
          inventory->async()->Reserve(ctx, &a->request, &a->response, std::move(done));
        },
        [&](size_t i) { return people[static_cast<size_t>(attempts[i]->buyer)].token; },
        &repeated_calls);
    for (size_t i = 0; i < attempts.size(); ++i) attempts[i]->status = statuses[i];
  }
  std::map<int, int64_t> held_by_buyer;
  std::vector<const Attempt*> holds;
  std::map<std::string, int> refusals;
  for (const auto& a : attempts) {
    if (a->status.ok()) {
      held_by_buyer[a->buyer] += a->response.reservation().quantity();
      holds.push_back(a.get());
      continue;
    }
    std::string reason = "other: " + a->status.error_message();
    for (const char* r : {"SOLD_OUT", "INSUFFICIENT_STOCK", "PURCHASE_LIMIT_REACHED"}) {
      if (absl::StrContains(a->status.error_details(), r)) reason = r;
    }
    ++refusals[reason];
  }
  for (const auto& [reason, n] : refusals) {
    std::fprintf(stderr, "show: %d holds refused %s\n", n, reason.c_str());
    INFO(reason);
    CHECK((reason == "SOLD_OUT" || reason == "INSUFFICIENT_STOCK" ||
           reason == "PURCHASE_LIMIT_REACHED"));
  }
  // Exactly the stock is held, nobody over the limit.
  CHECK(static_cast<int64_t>(holds.size()) * kPerBuyer == kFlashUnits);
  for (const auto& [buyer, units] : held_by_buyer) CHECK(units <= kPerBuyer);
  timing("holds taken");

  // Every hold checked out and paid, at once.
  struct Checkout {
    int buyer = 0;
    od::PlaceOrderRequest request;
    od::PlaceOrderResponse response;
    grpc::Status status;
  };
  std::vector<std::unique_ptr<Checkout>> checkouts;
  for (const Attempt* h : holds) {
    auto c = std::make_unique<Checkout>();
    c->buyer = h->buyer;
    c->request =
        OrderFor(h->response.reservation().id(), people[static_cast<size_t>(h->buyer)].name);
    checkouts.push_back(std::move(c));
  }
  {
    std::vector<grpc::Status> statuses;
    checkouts_started = true;
    AllAtOnce(
        checkouts.size(), statuses,
        [&](grpc::ClientContext* ctx, size_t i, std::function<void(grpc::Status)> done) {
          Checkout* c = checkouts[i].get();
          c->response.Clear();
          orders->async()->PlaceOrder(ctx, &c->request, &c->response, std::move(done));
        },
        [&](size_t i) { return people[static_cast<size_t>(checkouts[i]->buyer)].token; },
        &repeated_calls);
    for (size_t i = 0; i < checkouts.size(); ++i) checkouts[i]->status = statuses[i];
  }
  if (killer.joinable()) killer.join();
  // A checkout the order replica died under is finished by the other's recovery (the saga's
  // lease): the buyer sees it confirmed shortly after.
  for (auto& c : checkouts) {
    if (!c->status.ok() || c->response.order().status() == od::ORDER_STATUS_CONFIRMED) continue;
    shopcast::testing::WaitUntil(
        [&] {
          od::GetOrderRequest get;
          get.set_order_id(c->response.order().id());
          od::GetOrderResponse got;
          if (!Call(*orders, &od::OrderService::Stub::GetOrder,
                    people[static_cast<size_t>(c->buyer)].token, get, &got)
                   .ok()) {
            return false;
          }
          *c->response.mutable_order() = got.order();
          return got.order().status() == od::ORDER_STATUS_CONFIRMED ||
                 got.order().status() == od::ORDER_STATUS_FAILED;
        },
        absl::Seconds(30));
  }
  std::vector<od::Order> paid;
  std::map<std::string, int64_t> units_by_buyer;
  for (const auto& c : checkouts) {
    INFO(c->status.error_message());
    REQUIRE(c->status.ok());
    CHECK(c->response.order().status() == od::ORDER_STATUS_CONFIRMED);
    CHECK(c->response.order().subtotal().amount_minor() == kDealPrice * kPerBuyer);
    paid.push_back(c->response.order());
    for (const auto& line : c->response.order().lines()) {
      units_by_buyer[c->response.order().buyer_id()] += line.quantity();
    }
  }
  for (const auto& [buyer, units] : units_by_buyer) CHECK(units <= kPerBuyer);
  {
    pi::GetStockRequest req;
    req.add_product_ids(mug);
    const auto stock =
        Must(*inventory, &pi::ProductInventoryService::Stub::GetStock, "", req, "GetStock");
    CHECK(stock.stocks(0).sold() == kFlashUnits);
    CHECK(stock.stocks(0).available() == 0);
    CHECK(stock.stocks(0).held() == 0);
  }
  {
    // The first and the last claim of the rush (by the reservations' created_at).
    std::vector<std::pair<absl::Time, std::string>> claims;  // claim time, order id
    for (const auto& c : checkouts) {
      for (const Attempt* h : holds) {
        if (h->response.reservation().id() == c->request.reservation_id()) {
          claims.emplace_back(TimeOf(h->response.reservation().created_at()),
                              c->response.order().id());
        }
      }
    }
    REQUIRE(claims.size() == checkouts.size());
    std::sort(claims.begin(), claims.end());
    for (const auto& claim : {claims.front(), claims.back()}) {
      expected_frame[claim.second] = frame_at(claim.first);
    }
  }
  timing("flash sale sold out and paid");

  // ---- an auction, sniped in its last seconds ----
  const std::string lot = make_product("Signed print", true);
  pi::StartAuctionRequest start;
  start.set_product_id(lot);
  start.set_idempotency_key("auction");
  const auto started = Must(*inventory, &pi::ProductInventoryService::Stub::StartAuction,
                            host_token, start, "StartAuction");
  const std::string auction_id = started.auction().id();
  const Buyer& rival = people[0];
  const Buyer& sniper = people[1];
  pi::PlaceBidRequest bid;
  bid.set_auction_id(auction_id);
  *bid.mutable_amount() = started.auction().minimum_next_bid();
  bid.set_idempotency_key("rival-1");
  const auto first_bid = Must(*inventory, &pi::ProductInventoryService::Stub::PlaceBid, rival.token,
                              bid, "PlaceBid (rival)");
  const absl::Time original_end = TimeOf(first_bid.auction().ends_at());
  // The sniper waits until 2 s before the end (inside the 4 s window).
  absl::SleepFor(original_end - absl::Seconds(2) - absl::Now());
  *bid.mutable_amount() = first_bid.auction().minimum_next_bid();
  bid.set_idempotency_key("snipe-1");
  const auto snipe = Must(*inventory, &pi::ProductInventoryService::Stub::PlaceBid, sniper.token,
                          bid, "PlaceBid (snipe)");
  CHECK(snipe.auction().extension_count() == 1);
  CHECK(TimeOf(snipe.auction().ends_at()) > original_end);
  CHECK(snipe.auction().leading_bidder_id() == sniper.id);
  timing("sniped");
  pi::Auction closed;
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        pi::GetAuctionRequest get;
        get.set_auction_id(auction_id);
        pi::GetAuctionResponse got;
        if (!Call(*inventory, &pi::ProductInventoryService::Stub::GetAuction, sniper.token, get,
                  &got)
                 .ok()) {
          return false;
        }
        closed = got.auction();
        return closed.status() == pi::AUCTION_STATUS_CLOSED;
      },
      absl::Seconds(30)));
  CHECK(closed.outcome() == pi::AUCTION_OUTCOME_SOLD);
  CHECK(closed.winner_id() == sniper.id);
  CHECK(closed.winning_amount().amount_minor() == snipe.auction().current_bid().amount_minor());
  REQUIRE_FALSE(closed.winner_reservation_id().empty());
  // The winner pays for the lot.
  const auto won = Must(*orders, &od::OrderService::Stub::PlaceOrder, sniper.token,
                        OrderFor(closed.winner_reservation_id(), sniper.name), "PlaceOrder (lot)");
  CHECK(won.order().status() == od::ORDER_STATUS_CONFIRMED);
  CHECK(won.order().subtotal().amount_minor() == closed.winning_amount().amount_minor());
  paid.push_back(won.order());
  {
    // The lot's claim: the winner's reservation, made as the auction closed.
    pi::GetReservationRequest get;
    get.set_reservation_id(closed.winner_reservation_id());
    const auto reservation = Must(*inventory, &pi::ProductInventoryService::Stub::GetReservation,
                                  sniper.token, get, "GetReservation (lot)");
    expected_frame[won.order().id()] = frame_at(TimeOf(reservation.reservation().created_at()));
  }
  timing("auction won and paid");

  // ---- what every viewer saw: the pin, the stock falling to zero and the sales, in order ----
  const int sales = static_cast<int>(paid.size());
  REQUIRE(
      crowd.WaitAll([&](const Frames& f) { return CountSales(f) >= sales; }, absl::Seconds(60)));
  CHECK(crowd.closed() == 0);
  if (show.kill_one_of_each) {
    // Every socket of the killed gateway reconnected to the other and resumed there (the feed
    // checks below find no gap and no duplicate across the two connections).
    REQUIRE(killed.size() == kKills.size());
    int moved = 0;
    for (int i = 0; i < viewers; i += static_cast<int>(gateway_ports.size())) {
      INFO("socket " << i);
      CHECK(crowd.reconnects(i) >= 1);
      CHECK(crowd.port_of(i) == gateway_ports[1]);
      moved += crowd.reconnects(i) >= 1 ? 1 : 0;
    }
    std::fprintf(stderr, "show: killed %s; %d sockets moved gateway; %d calls repeated\n",
                 absl::StrJoin(killed, " ").c_str(), moved, repeated_calls);
  }
  for (int i = 0; i < viewers; ++i) {
    const Frames frames = crowd.FramesOf(i);
    const std::vector<rp::RoomEvent> events = Durable(frames);
    int64_t expected = SnapshotSequence(frames) + 1;
    bool gapless = true, saw_pin = false, stock_monotonic = true;
    int64_t last_available = kFlashUnits, last_revision = 0, final_sold = 0;
    int64_t last_stream_units = 0;
    std::vector<int64_t> sale_units;
    for (const rp::RoomEvent& e : events) {
      if (e.sequence() != expected) gapless = false;
      expected = e.sequence() + 1;
      if (e.has_pins_changed() && e.pins_changed().product_id() == mug &&
          e.pins_changed().pinned_now()) {
        saw_pin = true;
      }
      if (e.has_stock_changed() && e.stock_changed().product_id() == mug) {
        const rp::StockChanged& s = e.stock_changed();
        if (s.available() > last_available || s.revision() < last_revision) stock_monotonic = false;
        last_available = s.available();
        last_revision = s.revision();
        final_sold = s.sold();
      }
      if (e.has_sale_ticker()) {
        // The stream's units sold only grow, sale after sale.
        if (e.sale_ticker().stream_units_sold() <= last_stream_units) stock_monotonic = false;
        last_stream_units = e.sale_ticker().stream_units_sold();
        sale_units.push_back(e.sale_ticker().quantity());
      }
    }
    INFO("viewer " << i << ": " << events.size() << " events");
    REQUIRE(gapless);
    REQUIRE(saw_pin);
    REQUIRE(stock_monotonic);
    REQUIRE(last_available == 0);
    REQUIRE(final_sold == kFlashUnits);
    REQUIRE(static_cast<int>(sale_units.size()) == sales);
    REQUIRE(last_stream_units == kFlashUnits + 1);
  }
  timing("every viewer's feed checked");

  // ---- the seller's figures are the sum of the orders ----
  int64_t gross = 0, shipping_total = 0, units = 0;
  std::set<std::string> distinct_buyers;
  for (const od::Order& o : paid) {
    gross += o.subtotal().amount_minor();
    shipping_total += o.shipping().amount_minor();
    for (const auto& line : o.lines()) units += line.quantity();
    distinct_buyers.insert(o.buyer_id());
  }
  auto money_of = [](const google::protobuf::RepeatedPtrField<common::v1::Money>& ms) {
    int64_t sum = 0;
    for (const auto& m : ms) {
      if (m.currency() == "USD") sum += m.amount_minor();
    }
    return sum;
  };
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        od::GetSellerStatsRequest req;
        od::GetSellerStatsResponse stats;
        return Call(*orders, &od::OrderService::Stub::GetSellerStats, host_token, req, &stats)
                   .ok() &&
               stats.totals().order_count() == sales;
      },
      absl::Seconds(30)));
  {
    od::GetSellerStatsRequest req;
    const auto stats =
        Must(*orders, &od::OrderService::Stub::GetSellerStats, host_token, req, "GetSellerStats");
    CHECK(stats.totals().order_count() == sales);
    CHECK(stats.totals().units_sold() == units);
    CHECK(money_of(stats.totals().gross_revenue()) == gross);
    CHECK(money_of(stats.totals().shipping_revenue()) == shipping_total);
    CHECK(money_of(stats.totals().net_revenue()) == gross + shipping_total);
    CHECK(stats.totals().unique_buyers() == static_cast<int64_t>(distinct_buyers.size()));
    od::GetStreamSalesRequest sreq;
    sreq.set_stream_id(stream_id);
    const auto stream_sales =
        Must(*orders, &od::OrderService::Stub::GetStreamSales, host_token, sreq, "GetStreamSales");
    CHECK(stream_sales.summary().totals().order_count() == sales);
    CHECK(money_of(stream_sales.summary().totals().gross_revenue()) == gross);
  }
  timing("stats checked");

  // ---- the host ends the stream and saves it ----
  vi::EndStreamRequest end;
  end.set_stream_id(stream_id);
  end.set_recording_choice(vi::RECORDING_CHOICE_SAVE);
  Must(*ingest, &vi::VideoIngestService::Stub::EndStream, host_token, end, "EndStream");
  encoder.Kill();
  rl::Recording recording;
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        rl::GetRecordingRequest get;
        get.set_stream_id(stream_id);
        rl::GetRecordingResponse got;
        if (!Call(*recordings, &rl::RecordingLifecycleService::Stub::GetRecording, host_token, get,
                  &got)
                 .ok()) {
          return false;
        }
        recording = got.recording();
        return recording.status() == rl::RECORDING_STATUS_READY;
      },
      absl::Seconds(60)));
  CHECK(recording.decision() == rl::RETENTION_DECISION_SAVE);
  timing("recording ready");

  // A marker at every sale, placed on the recording's timeline.
  std::map<std::string, rl::Moment> moment_by_order;
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        moment_by_order.clear();
        rl::ListMomentsRequest req;
        req.set_recording_id(recording.id());
        req.mutable_page()->set_page_size(100);
        while (true) {
          rl::ListMomentsResponse got;
          if (!Call(*recordings, &rl::RecordingLifecycleService::Stub::ListMoments, "", req, &got)
                   .ok()) {
            return false;
          }
          for (const auto& m : got.moments()) moment_by_order[m.order_id()] = m;
          if (got.page().next_page_token().empty()) break;
          req.mutable_page()->set_page_token(got.page().next_page_token());
        }
        return static_cast<int>(moment_by_order.size()) == sales;
      },
      absl::Seconds(30)));
  const int64_t duration_us =
      recording.duration().seconds() * 1000000 + recording.duration().nanos() / 1000;
  for (const od::Order& o : paid) {
    INFO("order " << o.id());
    REQUIRE(moment_by_order.count(o.id()) == 1);
    const rl::Moment& m = moment_by_order.at(o.id());
    CHECK(m.kind() ==
          (o.id() == won.order().id() ? rl::MOMENT_KIND_AUCTION_SALE : rl::MOMENT_KIND_SALE));
    CHECK(m.amount().amount_minor() == o.subtotal().amount_minor());
    CHECK(m.has_media_offset());
    const int64_t offset_us =
        m.media_offset().seconds() * 1000000 + m.media_offset().nanos() / 1000;
    CHECK(offset_us >= 0);
    CHECK(offset_us <= duration_us);
  }

  {
    // Playback from the auction's sale, through the gateway's /vod/, plays (ffprobe over HTTP).
    rl::GetPlaybackUrlRequest play;
    play.set_recording_id(recording.id());
    play.set_moment_id(moment_by_order.at(won.order().id()).id());
    const auto playback = Must(*recordings, &rl::RecordingLifecycleService::Stub::GetPlaybackUrl,
                               "", play, "GetPlaybackUrl");
    // (through the gateway that is still up)
    const std::string gateway_url = suite.gateway_urls()[static_cast<size_t>(live_gateway)];
    std::string url = suite.VodThroughGateway(playback.url());
    REQUIRE(absl::StartsWith(url, suite.gateway_url() + "/vod/"));
    url = gateway_url + url.substr(suite.gateway_url().size());
    INFO(url);
    const std::string probed = video_ingest::e2e::RunTool(
        {"ffprobe", "-v", "error", "-show_entries", "stream=codec_name:format=duration", "-of",
         "default=noprint_wrappers=1", url});
    CHECK_THAT(probed, Catch::Contains("codec_name=h264"));
    CHECK_THAT(probed, Catch::Contains("codec_name=aac"));
    const auto duration_at = probed.find("duration=");
    REQUIRE(duration_at != std::string::npos);
    const double probed_seconds = std::strtod(probed.c_str() + duration_at + 9, nullptr);
    CHECK(probed_seconds == Approx(static_cast<double>(duration_us) / 1e6).margin(2.0));
    const auto playlist = shopcast::testing::HttpGet(suite.endpoints("gateway", live_gateway).http,
                                                     url.substr(gateway_url.size()));
    CHECK(playlist.status == 200);
    // Playback starts 5 s (moment_lead_in) before the sale: EXT-X-START at that offset.
    const int64_t sale_us =
        moment_by_order.at(won.order().id()).media_offset().seconds() * 1000000 +
        moment_by_order.at(won.order().id()).media_offset().nanos() / 1000;
    const int64_t start_us =
        playback.start_offset().seconds() * 1000000 + playback.start_offset().nanos() / 1000;
    // (to the millisecond: the playlist's offsets are in ms)
    CHECK(std::abs(start_us - std::max<int64_t>(0, sale_us - 5000000)) <= 1000);
    const auto start_at = playlist.body.find("#EXT-X-START:TIME-OFFSET=");
    REQUIRE(start_at != std::string::npos);
    CHECK(std::strtod(playlist.body.c_str() + start_at + 25, nullptr) ==
          Approx(static_cast<double>(start_us) / 1e6).margin(0.001));
  }
  // Seeking to a sale shows the frame the encoder made at the sale's moment: the marker's offset
  // in the playlist a sale's playback URL names, through the gateway's /vod/, decoded there.
  REQUIRE(expected_frame.size() == 3);
  for (const auto& [order_id, expected] : expected_frame) {
    INFO("order " << order_id);
    const rl::Moment& m = moment_by_order.at(order_id);
    rl::GetPlaybackUrlRequest play;
    play.set_recording_id(recording.id());
    play.set_moment_id(m.id());
    const auto playback = Must(*recordings, &rl::RecordingLifecycleService::Stub::GetPlaybackUrl,
                               "", play, "GetPlaybackUrl");
    const std::string url = suite.VodThroughGateway(playback.url());
    REQUIRE(absl::StartsWith(url, suite.gateway_url() + "/vod/"));
    const int64_t offset_us =
        m.media_offset().seconds() * 1000000 + m.media_offset().nanos() / 1000;
    const auto [shown, uri] = recording_lifecycle::testing::CounterAtOffset(
        suite.endpoints("gateway", live_gateway).http, url.substr(suite.gateway_url().size()),
        offset_us, kCounterBlock);
    INFO("expected frame " << expected << ", shown " << shown << " (" << uri << ")");
    std::fprintf(stderr, "show: sale %s at %.3f s of the VOD shows frame %lld (made then: %lld)\n",
                 order_id.c_str(), static_cast<double>(offset_us) / 1e6,
                 static_cast<long long>(shown), static_cast<long long>(expected));
    CHECK(std::abs(shown - expected) <= 1);
    CHECK(expected >= kFirstFrame);
  }
  timing("VOD checked");

  // ---- every follower got exactly one go-live notification, live and in their inbox ----
  CHECK(crowd.WaitAll([&](const Frames& f) { return GoLiveNotifications(f, stream_id) >= 1; },
                      absl::Seconds(30), 0, buyers));
  CHECK(crowd.Count([&](const Frames& f) { return GoLiveNotifications(f, stream_id) == 1; }, 0,
                    buyers) == buyers);
  // Anonymous viewers get none.
  CHECK(crowd.Count([&](const Frames& f) { return GoLiveNotifications(f, stream_id) == 0; },
                    buyers) == viewers - buyers);
  int inbox_ok = 0;
  for (const Buyer& b : people) {
    rp::ListNotificationsRequest req;
    req.mutable_page()->set_page_size(100);
    rp::ListNotificationsResponse got;
    if (!Call(*push, &rp::RealtimePushService::Stub::ListNotifications, b.token, req, &got).ok()) {
      continue;
    }
    int go_live = 0;
    for (const auto& n : got.notifications()) {
      go_live += n.kind() == rp::NOTIFICATION_KIND_FOLLOWED_HOST_LIVE && n.stream_id() == stream_id;
    }
    inbox_ok += go_live == 1 ? 1 : 0;
  }
  CHECK(inbox_ok == buyers);
  timing("notifications checked");
}

TEST_CASE("one live show end to end: stream, pin, flash sale, auction snipe, VOD, stats", "[e2e]") {
  RunShow(ShowOptions{});
}

TEST_CASE(
    "the same show on two replicas of every stateless service, one of each SIGKILLed mid-show",
    "[e2e][scale]") {
  ShowOptions show;
  show.replicas = 2;
  show.kill_one_of_each = true;
  RunShow(show);
}

}  // namespace
}  // namespace shopcast::e2e
