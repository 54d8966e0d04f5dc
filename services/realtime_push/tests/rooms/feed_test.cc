// The in-process fan-out: frames are valid SubscribeResponses built once, and a feed hands out
// exactly the sequence asked for, or says to look in the log, or to wait.
#include "rooms/feed.h"

#include <catch2/catch.hpp>
#include <vector>

#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace rooms = shopcast::realtime_push::rooms;
namespace pb = shopcast::realtime_push::v1;

namespace {

pb::SubscribeResponse Parse(const rooms::Frame& frame) {
  std::vector<grpc::Slice> slices;
  REQUIRE(frame->Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  pb::SubscribeResponse r;
  REQUIRE(r.ParseFromString(bytes));
  return r;
}

rooms::FeedEntry Entry(int64_t seq) {
  pb::RoomEvent e;
  e.set_sequence(seq);
  e.mutable_chat_message()->set_text(std::string(200, 'x'));  // a length above one varint byte
  return rooms::FeedEntry{seq, rooms::MakeFrame(2, e.SerializeAsString()), false};
}

struct Recorder : rooms::FeedListener {
  int wakes = 0;
  std::vector<int> ephemeral;
  void Wake() override { ++wakes; }
  void OfferEphemeral(int kind, rooms::Frame) override { ephemeral.push_back(kind); }
  void Close(const absl::Status&) override {}
};

}  // namespace

TEST_CASE("a frame is the SubscribeResponse carrying the event it was made from") {
  pb::SubscribeResponse r = Parse(Entry(7).frame);
  REQUIRE(r.has_event());
  CHECK(r.event().sequence() == 7);
  CHECK(r.event().chat_message().text().size() == 200);
}

TEST_CASE("a batch frame is the SubscribeResponse carrying its events in order") {
  std::vector<rooms::Frame> frames;
  for (int64_t seq : {5, 6, 7}) frames.push_back(Entry(seq).frame);
  CHECK(rooms::IsEventFrame(frames[0]));
  pb::SubscribeResponse r = Parse(rooms::MakeBatchFrame(frames));
  REQUIRE(r.has_events());
  REQUIRE(r.events().events_size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(r.events().events(i).sequence() == 5 + i);
    CHECK(r.events().events(i).chat_message().text() == std::string(200, 'x'));
  }
  // Only `event` frames may go in a batch.
  pb::KeepAlive keep_alive;
  CHECK_FALSE(rooms::IsEventFrame(rooms::MakeFrame(3, keep_alive.SerializeAsString())));
  CHECK_FALSE(rooms::IsEventFrame(nullptr));
}

TEST_CASE("a run from the ring stops at its end, the count asked and the byte bound") {
  auto feed = std::make_shared<rooms::RoomFeed>("str_x", 8,
                                                [](std::shared_ptr<rooms::RoomFeed>, int64_t) {});
  feed->Prime(feed, 0);
  for (int64_t seq = 1; seq <= 12; ++seq) feed->OnAppended(feed, Entry(seq));  // ring: 5..12
  std::vector<rooms::FeedEntry> run;
  CHECK(feed->GetRun(4, 10, 1 << 20, &run) == 0);   // left the ring
  CHECK(feed->GetRun(13, 10, 1 << 20, &run) == 0);  // not there yet
  REQUIRE(feed->GetRun(6, 100, 1 << 20, &run) == 7);
  CHECK(run.front().seq == 6);
  CHECK(run.back().seq == 12);
  run.clear();
  REQUIRE(feed->GetRun(5, 3, 1 << 20, &run) == 3);
  CHECK(run.back().seq == 7);
  run.clear();
  // Each frame is a little over 200 bytes: 500 bytes hold two, 100 none.
  CHECK(feed->GetRun(5, 100, 500, &run) == 2);
  run.clear();
  CHECK(feed->GetRun(5, 100, 100, &run) == 0);
}

TEST_CASE("a feed serves each sequence once loaded, from the log when it left the ring") {
  std::vector<int64_t> loads;
  auto feed = std::make_shared<rooms::RoomFeed>(
      "str_x", 4,
      [&loads](std::shared_ptr<rooms::RoomFeed>, int64_t after) { loads.push_back(after); });
  auto listener = std::make_shared<Recorder>();
  feed->Attach(listener);
  rooms::FeedEntry out;
  CHECK(feed->Get(1, &out) == rooms::RoomFeed::Lookup::kWait);  // not primed

  feed->Prime(feed, 10);
  CHECK(feed->Get(10, &out) == rooms::RoomFeed::Lookup::kBehind);  // before the feed: the log
  CHECK(feed->Get(11, &out) == rooms::RoomFeed::Lookup::kWait);

  // The next sequence appended locally is used as is, and wakes the subscribers.
  feed->OnAppended(feed, Entry(11));
  REQUIRE(feed->Get(11, &out) == rooms::RoomFeed::Lookup::kFound);
  CHECK(out.seq == 11);
  CHECK(listener->wakes == 1);
  CHECK(loads.empty());

  // A gap (13 before 12) is loaded from the log in order instead.
  feed->OnAppended(feed, Entry(13));
  REQUIRE(loads == std::vector<int64_t>{11});
  CHECK(feed->Get(12, &out) == rooms::RoomFeed::Lookup::kWait);
  feed->OnHead(feed, 14);  // while loading: remembered, no second load
  CHECK(loads.size() == 1);
  feed->Loaded(feed, {Entry(12), Entry(13)});
  REQUIRE(loads == std::vector<int64_t>{11, 13});  // 14 is still wanted
  feed->Loaded(feed, {Entry(14), Entry(15), Entry(16)});
  CHECK(feed->loaded_head() == 16);

  // The ring keeps the last 4: 13..16.
  CHECK(feed->Get(12, &out) == rooms::RoomFeed::Lookup::kBehind);
  REQUIRE(feed->Get(13, &out) == rooms::RoomFeed::Lookup::kFound);
  CHECK(out.seq == 13);
  REQUIRE(feed->Get(16, &out) == rooms::RoomFeed::Lookup::kFound);
  CHECK(Parse(out.frame).event().sequence() == 16);

  feed->Ephemeral(pb::RoomEvent::kViewerCount, Entry(0).frame);
  CHECK(listener->ephemeral == std::vector<int>{pb::RoomEvent::kViewerCount});
  feed->Detach(listener.get());
  CHECK(feed->listeners() == 0);
}

namespace {

// Detaches itself from its feed when closed or offered an event, as a subscriber whose call
// ends does, and counts the calls.
struct SelfDetaching : rooms::FeedListener {
  rooms::RoomFeed* feed = nullptr;
  int closes = 0;
  int offers = 0;
  void Wake() override {}
  void OfferEphemeral(int, rooms::Frame) override {
    ++offers;
    feed->Detach(this);
  }
  void Close(const absl::Status&) override {
    ++closes;
    feed->Detach(this);
  }
};

}  // namespace

TEST_CASE("listeners leaving while the feed walks them are each reached once, safely") {
  // Every listener detaching mid-walk drops the feed's shared list; the walk must hold its
  // own (this test reads freed memory without that, which ASan builds report).
  auto feed = std::make_shared<rooms::RoomFeed>("str_x", 4,
                                                [](std::shared_ptr<rooms::RoomFeed>, int64_t) {});
  std::vector<std::shared_ptr<SelfDetaching>> listeners;
  for (int i = 0; i < 64; ++i) {
    auto l = std::make_shared<SelfDetaching>();
    l->feed = feed.get();
    feed->Attach(l);
    listeners.push_back(l);
  }
  feed->Ephemeral(pb::RoomEvent::kViewerCount, Entry(1).frame);
  CHECK(feed->listeners() == 0);
  for (const auto& l : listeners) {
    CHECK(l->offers == 1);
    feed->Attach(l);
  }
  feed->CloseAll(absl::UnavailableError("shutting down"));
  CHECK(feed->listeners() == 0);
  for (const auto& l : listeners) CHECK(l->closes == 1);
}

TEST_CASE("a replica's own NOTIFY arriving before its commit returns reads nothing back") {
  std::vector<int64_t> loads;
  auto feed = std::make_shared<rooms::RoomFeed>(
      "str_x", 16,
      [&loads](std::shared_ptr<rooms::RoomFeed>, int64_t after) { loads.push_back(after); });
  auto listener = std::make_shared<Recorder>();
  feed->Attach(listener);
  feed->Prime(feed, 10);
  rooms::FeedEntry out;

  // Our append of 11 commits; its notification is here before the commit's reply.
  feed->BeginLocalAppend();
  feed->OnHead(feed, 11);
  CHECK(loads.empty());
  feed->OnAppended(feed, Entry(11));
  feed->EndLocalAppend(feed);
  CHECK(loads.empty());  // 11 came with the append: nothing to read
  REQUIRE(feed->Get(11, &out) == rooms::RoomFeed::Lookup::kFound);
  CHECK(listener->wakes == 1);

  // Another replica's 12 and 13 were announced while our 14 committed: once our append is in,
  // what it did not bring is loaded, in order.
  feed->BeginLocalAppend();
  feed->OnHead(feed, 13);
  feed->OnHead(feed, 14);
  CHECK(loads.empty());
  feed->OnAppended(feed, Entry(14));  // not the next sequence: waits for the load
  CHECK(feed->Get(12, &out) == rooms::RoomFeed::Lookup::kWait);
  feed->EndLocalAppend(feed);
  REQUIRE(loads == std::vector<int64_t>{11});
  feed->Loaded(feed, {Entry(12), Entry(13), Entry(14)});
  CHECK(feed->loaded_head() == 14);

  // A transaction that failed appended nothing: a notification seen meanwhile still loads.
  feed->BeginLocalAppend();
  feed->OnHead(feed, 15);
  feed->EndLocalAppend(feed);
  CHECK(loads == std::vector<int64_t>{11, 14});
}
