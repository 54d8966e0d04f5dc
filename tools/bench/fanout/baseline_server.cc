// The transport's ceiling: a minimal gRPC callback-API broadcast server with no persistence,
// speaking realtime-push's Subscribe and internal Publish so the same load client drives both.
// A Publish numbers the event in its room, serializes one SubscribeResponse and hands that
// buffer to every subscriber of the room; each subscriber (a ServerWriteReactor) keeps one
// write in flight and a small bounded queue behind it, and a subscriber whose queue is full is
// ended (RESOURCE_EXHAUSTED), which the client sees as a failed step. No database, no auth on
// Subscribe, no snapshot, no resume: only what any fan-out over gRPC must do.
//
//   fanout_baseline_server --tls_dir=<dev-pki folder>
//
// Prints "ports <public> <internal>" once serving, and serves until stdin closes. With
// --async_cqs=N (an experiment: tools/bench/RESULTS.md, fanout run 14) Subscribe runs on gRPC's
// async API over N completion queues of its own instead.

#include <unistd.h>

#include <cstdio>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"

ABSL_FLAG(std::string, tls_dir, "", "dev-pki folder: ca.pem, realtime-push.pem/.key");
ABSL_FLAG(int, queue, 64, "frames a subscriber may have waiting behind its write in flight");
ABSL_FLAG(int, async_cqs, 0,
          "experiment: serve Subscribe on gRPC's async API with this many completion queues, "
          "one thread each (0: the callback API)");

namespace {

namespace pb = shopcast::realtime_push::v1;
using Frame = std::shared_ptr<const grpc::ByteBuffer>;

Frame Serialize(const pb::SubscribeResponse& response) {
  auto buffer = std::make_shared<grpc::ByteBuffer>();
  bool own = false;
  grpc::SerializationTraits<pb::SubscribeResponse>::Serialize(response, buffer.get(), &own);
  return buffer;
}

// A room's subscriber, whichever gRPC API serves it.
class Sink {
 public:
  virtual ~Sink() = default;
  // Queues a frame (or writes it now); false once the subscriber is gone.
  virtual bool Offer(Frame frame) = 0;
};

// What every subscriber keeps, whichever API writes for it: one write in flight, a bounded
// queue behind it, and how the call ends. Thread-safe; its callers write outside its lock (gRPC
// may call back on the same thread).
class WriteSlot {
 public:
  explicit WriteSlot(size_t max_queue) : max_queue_(max_queue) {}

  // Queues `frame`, or answers it as the write to start now; *accepted is false once the
  // subscriber is over (a full queue ends it: RESOURCE_EXHAUSTED after the write in flight).
  const grpc::ByteBuffer* Offer(Frame frame, bool* accepted) {
    absl::MutexLock lock(&mu_);
    *accepted = false;
    if (finished_) return nullptr;
    if (writing_ && queue_.size() >= max_queue_) {
      finished_ = true;
      finish_status_ = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "subscriber too slow");
      return nullptr;
    }
    *accepted = true;
    if (writing_) {
      queue_.push_back(std::move(frame));
      return nullptr;
    }
    writing_ = true;
    in_flight_ = std::move(frame);
    return in_flight_.get();
  }

  // The write in flight completed: the next one to start, or null.
  const grpc::ByteBuffer* Written(bool ok) {
    absl::MutexLock lock(&mu_);
    in_flight_.reset();
    writing_ = false;
    if (!ok) finished_ = true;
    if (finished_ || queue_.empty()) return nullptr;
    in_flight_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    return in_flight_.get();
  }

  // The client is gone: CANCELLED, unless the call already had its ending.
  void Cancelled() {
    absl::MutexLock lock(&mu_);
    if (!finished_) finish_status_ = grpc::Status::CANCELLED;
    finished_ = true;
  }

  // The status to Finish with, once, when the call is over and no write is in flight.
  std::optional<grpc::Status> TakeFinish() {
    absl::MutexLock lock(&mu_);
    if (!finished_ || writing_ || finish_taken_) return std::nullopt;
    finish_taken_ = true;
    return finish_status_;
  }

  // No write in flight.
  bool Idle() {
    absl::MutexLock lock(&mu_);
    return !writing_;
  }
  // Whether TakeFinish gave the status out (a Finish was started).
  bool FinishTaken() {
    absl::MutexLock lock(&mu_);
    return finish_taken_;
  }

 private:
  const size_t max_queue_;
  absl::Mutex mu_;
  std::deque<Frame> queue_ ABSL_GUARDED_BY(mu_);
  Frame in_flight_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_taken_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status finish_status_ ABSL_GUARDED_BY(mu_) = grpc::Status::OK;
};

class Subscriber final : public grpc::ServerWriteReactor<grpc::ByteBuffer>, public Sink {
 public:
  explicit Subscriber(size_t max_queue) : slot_(max_queue) {}

  bool Offer(Frame frame) override {
    bool accepted = false;
    if (const grpc::ByteBuffer* write = slot_.Offer(std::move(frame), &accepted)) {
      StartWrite(write);
    } else if (!accepted) {
      MaybeFinish();
    }
    return accepted;
  }

  void OnWriteDone(bool ok) override {
    if (const grpc::ByteBuffer* write = slot_.Written(ok)) {
      StartWrite(write);
    } else {
      MaybeFinish();
    }
  }

  void OnCancel() override {
    slot_.Cancelled();
    MaybeFinish();
  }

  void OnDone() override {
    std::shared_ptr<Subscriber> keep;
    absl::MutexLock lock(&mu_);
    // The room drops its reference at its next publish; `keep` goes after the lock.
    keep = std::move(self_);
  }

  // A subscriber that owns itself until gRPC is done with it.
  static std::shared_ptr<Subscriber> Make(size_t max_queue) {
    auto s = std::make_shared<Subscriber>(max_queue);
    absl::MutexLock lock(&s->mu_);
    s->self_ = s;
    return s;
  }

 private:
  void MaybeFinish() {
    if (std::optional<grpc::Status> status = slot_.TakeFinish()) Finish(*status);
  }

  WriteSlot slot_;
  absl::Mutex mu_;
  std::shared_ptr<Subscriber> self_ ABSL_GUARDED_BY(mu_);
};

struct Room {
  absl::Mutex mu;
  int64_t head ABSL_GUARDED_BY(mu) = 0;
  std::vector<std::shared_ptr<Sink>> subscribers ABSL_GUARDED_BY(mu);
};

class Rooms {
 public:
  Room& Get(const std::string& id) {
    absl::MutexLock lock(&mu_);
    auto& room = rooms_[id];
    if (room == nullptr) room = std::make_unique<Room>();
    return *room;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Room>> rooms_ ABSL_GUARDED_BY(mu_);
};

// Adds `subscriber` to the room `request` names, its `started` message first: under the room's
// lock, so `started` precedes every event numbered after its head.
void AddToRoom(Rooms& rooms, const pb::SubscribeRequest& request,
               std::shared_ptr<Sink> subscriber) {
  Room& room = rooms.Get(request.stream_id());
  absl::MutexLock lock(&room.mu);
  pb::SubscribeResponse started;
  started.mutable_started()->set_head_sequence(room.head);
  started.mutable_started()->mutable_snapshot()->set_stream_id(request.stream_id());
  started.mutable_started()->mutable_snapshot()->set_sequence(room.head);
  subscriber->Offer(Serialize(started));
  room.subscribers.push_back(std::move(subscriber));
}

using PublicBase = pb::RealtimePushService::WithRawCallbackMethod_Subscribe<
    pb::RealtimePushService::CallbackService>;

class PublicService final : public PublicBase {
 public:
  PublicService(Rooms& rooms, size_t max_queue) : rooms_(rooms), max_queue_(max_queue) {}

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext*,
                                                        const grpc::ByteBuffer* raw) override {
    std::shared_ptr<Subscriber> subscriber = Subscriber::Make(max_queue_);
    pb::SubscribeRequest request;
    grpc::ByteBuffer copy(*raw);
    grpc::SerializationTraits<pb::SubscribeRequest>::Deserialize(&copy, &request);
    AddToRoom(rooms_, request, subscriber);
    return subscriber.get();
  }

 private:
  Rooms& rooms_;
  const size_t max_queue_;
};

// The experiment behind --async_cqs: Subscribe on gRPC's async API, each call bound to one of
// several completion queues served by a thread of its own. With the callback API, gRPC 1.51
// (epoll1) completes every operation of the process through one global queue, and Debian's
// libgrpc (built without NDEBUG) scans that queue's outstanding tags, one per open call, under
// its lock at every completion; here each queue holds its own share of the calls.
using AsyncPublicBase =
    pb::RealtimePushService::WithRawMethod_Subscribe<pb::RealtimePushService::Service>;

class AsyncSubscriber final : public Sink, public std::enable_shared_from_this<AsyncSubscriber> {
 public:
  enum class Kind { kStarted, kWritten, kFinished, kDone };
  struct Tag {
    AsyncSubscriber* subscriber;
    Kind kind;
  };

  AsyncSubscriber(AsyncPublicBase& service, grpc::ServerCompletionQueue* cq, Rooms& rooms,
                  size_t max_queue)
      : service_(service), cq_(cq), rooms_(rooms), max_queue_(max_queue), slot_(max_queue) {}

  // Waits for the next Subscribe call on this queue.
  static void Arm(AsyncPublicBase& service, grpc::ServerCompletionQueue* cq, Rooms& rooms,
                  size_t max_queue) {
    auto s = std::make_shared<AsyncSubscriber>(service, cq, rooms, max_queue);
    {
      absl::MutexLock lock(&s->mu_);
      s->self_ = s;
    }
    s->ctx_.AsyncNotifyWhenDone(&s->done_tag_);
    service.RequestSubscribe(&s->ctx_, &s->request_, &s->writer_, cq, cq, &s->started_tag_);
  }

  bool Offer(Frame frame) override {
    bool accepted = false;
    if (const grpc::ByteBuffer* write = slot_.Offer(std::move(frame), &accepted)) {
      writer_.Write(*write, &written_tag_);
    } else if (!accepted) {
      MaybeFinish();
    }
    return accepted;
  }

  // A completion of one of this call's tags, on its queue's thread.
  void Handle(Kind kind, bool ok) {
    std::shared_ptr<AsyncSubscriber> keep;  // self_ may be released below
    {
      absl::MutexLock lock(&mu_);
      keep = self_;
    }
    switch (kind) {
      case Kind::kStarted: {
        if (!ok) return;  // shutting down
        Arm(service_, cq_, rooms_, max_queue_);
        pb::SubscribeRequest request;
        grpc::SerializationTraits<pb::SubscribeRequest>::Deserialize(&request_, &request);
        AddToRoom(rooms_, request, shared_from_this());
        break;
      }
      case Kind::kWritten:
        if (const grpc::ByteBuffer* write = slot_.Written(ok)) {
          writer_.Write(*write, &written_tag_);
        } else {
          MaybeFinish();
        }
        break;
      case Kind::kDone: {
        slot_.Cancelled();
        absl::MutexLock lock(&mu_);
        done_ = true;
        break;
      }
      case Kind::kFinished: {
        absl::MutexLock lock(&mu_);
        finish_completed_ = true;
        break;
      }
    }
    if (kind == Kind::kDone) MaybeFinish();
    // gRPC is done with the call once it is over, nothing is in flight, and a Finish started
    // has completed.
    const bool idle = slot_.Idle();
    const bool finish_taken = slot_.FinishTaken();
    absl::MutexLock lock(&mu_);
    if (done_ && idle && (!finish_taken || finish_completed_)) self_.reset();
  }

 private:
  void MaybeFinish() {
    if (std::optional<grpc::Status> status = slot_.TakeFinish()) {
      writer_.Finish(*status, &finished_tag_);
    }
  }

  AsyncPublicBase& service_;
  grpc::ServerCompletionQueue* const cq_;
  Rooms& rooms_;
  const size_t max_queue_;
  WriteSlot slot_;
  grpc::ServerContext ctx_;
  grpc::ByteBuffer request_;
  grpc::ServerAsyncWriter<grpc::ByteBuffer> writer_{&ctx_};
  Tag started_tag_{this, Kind::kStarted};
  Tag written_tag_{this, Kind::kWritten};
  Tag finished_tag_{this, Kind::kFinished};
  Tag done_tag_{this, Kind::kDone};

  absl::Mutex mu_;
  std::shared_ptr<AsyncSubscriber> self_ ABSL_GUARDED_BY(mu_);
  bool finish_completed_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

class InternalService final : public pb::RealtimePushInternalService::CallbackService {
 public:
  explicit InternalService(Rooms& rooms) : rooms_(rooms) {}

  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* ctx,
                                    const pb::PublishRequest* request,
                                    pb::PublishResponse* response) override {
    Room& room = rooms_.Get(request->stream_id());
    {
      absl::MutexLock lock(&room.mu);
      pb::SubscribeResponse message;
      pb::RoomEvent* event = message.mutable_event();
      *event = request->event();
      event->set_stream_id(request->stream_id());
      event->set_event_id(request->event_id());
      event->set_sequence(++room.head);
      response->set_sequence(room.head);
      const Frame frame = Serialize(message);
      // One pass: hand the frame on, and drop subscribers that are gone.
      auto& subs = room.subscribers;
      size_t kept = 0;
      for (size_t i = 0; i < subs.size(); ++i) {
        if (subs[i]->Offer(frame)) subs[kept++] = std::move(subs[i]);
      }
      subs.resize(kept);
    }
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  Rooms& rooms_;
};

}  // namespace

int main(int argc, char** argv) {
  // As realtime-push's release binary does (libs/startup): Debian's Abseil would otherwise
  // check every mutex acquisition for lock-order cycles, ~8% of this server's CPU.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::ParseCommandLine(argc, argv);
  const std::string dir = absl::GetFlag(FLAGS_tls_dir);
  auto tls = shopcast::auth::LoadServiceTls(
      {dir + "/ca.pem", dir + "/realtime-push.pem", dir + "/realtime-push.key"});
  if (!tls.ok()) {
    std::fprintf(stderr, "baseline: %s\n", std::string(tls.status().message()).c_str());
    return 2;
  }
  Rooms rooms;
  PublicService public_service(rooms, static_cast<size_t>(absl::GetFlag(FLAGS_queue)));
  InternalService internal_service(rooms);
  int public_port = 0;
  int internal_port = 0;
  const int async_cqs = absl::GetFlag(FLAGS_async_cqs);
  const size_t max_queue = static_cast<size_t>(absl::GetFlag(FLAGS_queue));
  AsyncPublicBase async_public;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> cqs;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &public_port);
  builder.AddListeningPort("127.0.0.1:0", shopcast::auth::InternalServerCredentials(*tls),
                           &internal_port);
  // Both services on both ports keeps this server small; the client uses each on its own.
  if (async_cqs > 0) {
    builder.RegisterService(&async_public);
    for (int i = 0; i < async_cqs; ++i) cqs.push_back(builder.AddCompletionQueue());
  } else {
    builder.RegisterService(&public_service);
  }
  builder.RegisterService(&internal_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) return 1;
  std::vector<std::thread> cq_threads;
  for (auto& cq : cqs) {
    for (int i = 0; i < 8; ++i) AsyncSubscriber::Arm(async_public, cq.get(), rooms, max_queue);
    cq_threads.emplace_back([cq = cq.get()] {
      void* tag = nullptr;
      bool ok = false;
      while (cq->Next(&tag, &ok)) {
        auto* t = static_cast<AsyncSubscriber::Tag*>(tag);
        t->subscriber->Handle(t->kind, ok);
      }
    });
  }
  std::printf("ports %d %d\n", public_port, internal_port);
  std::fflush(stdout);
  char c;
  while (::read(STDIN_FILENO, &c, 1) > 0) {
  }
  server->Shutdown();
  for (auto& cq : cqs) cq->Shutdown();
  for (std::thread& t : cq_threads) t.join();
  return 0;
}
