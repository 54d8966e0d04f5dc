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

class Subscriber final : public grpc::ServerWriteReactor<grpc::ByteBuffer>, public Sink {
 public:
  explicit Subscriber(size_t max_queue) : max_queue_(max_queue) {}

  bool Offer(Frame frame) override {
    const grpc::ByteBuffer* write = nullptr;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return false;
      if (writing_ && queue_.size() >= max_queue_) {
        finished_ = true;
        finish_status_ = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "subscriber too slow");
        return false;  // Finish follows the write in flight
      }
      if (writing_) {
        queue_.push_back(std::move(frame));
        return true;
      }
      writing_ = true;
      in_flight_ = std::move(frame);
      write = in_flight_.get();
    }
    // Outside the lock: gRPC may call back on this thread.
    StartWrite(write);
    return true;
  }

  void OnWriteDone(bool ok) override {
    const grpc::ByteBuffer* write = nullptr;
    {
      absl::MutexLock lock(&mu_);
      in_flight_.reset();
      writing_ = false;
      if (!ok) finished_ = true;
      if (!finished_ && !queue_.empty()) {
        in_flight_ = std::move(queue_.front());
        queue_.pop_front();
        writing_ = true;
        write = in_flight_.get();
      }
    }
    if (write != nullptr) {
      StartWrite(write);
    } else {
      MaybeFinish();
    }
  }

  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      if (!finished_) finish_status_ = grpc::Status::CANCELLED;
      finished_ = true;
    }
    MaybeFinish();
  }

  void OnDone() override {
    std::shared_ptr<Subscriber> keep;
    absl::MutexLock lock(&mu_);
    // The room drops its reference at its next publish; `keep` goes after the lock.
    keep = std::move(self_);
  }

  std::shared_ptr<Subscriber> self_;

 private:
  // Finish once, and never while a write is in flight.
  void MaybeFinish() {
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      if (!finished_ || writing_ || finish_called_) return;
      finish_called_ = true;
      status = finish_status_;
    }
    Finish(status);
  }

  const size_t max_queue_;
  absl::Mutex mu_;
  std::deque<Frame> queue_ ABSL_GUARDED_BY(mu_);
  Frame in_flight_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status finish_status_ ABSL_GUARDED_BY(mu_) = grpc::Status::OK;
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

using PublicBase = pb::RealtimePushService::WithRawCallbackMethod_Subscribe<
    pb::RealtimePushService::CallbackService>;

class PublicService final : public PublicBase {
 public:
  PublicService(Rooms& rooms, size_t max_queue) : rooms_(rooms), max_queue_(max_queue) {}

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext*,
                                                        const grpc::ByteBuffer* raw) override {
    auto subscriber = std::make_shared<Subscriber>(max_queue_);
    subscriber->self_ = subscriber;
    pb::SubscribeRequest request;
    grpc::ByteBuffer copy(*raw);
    grpc::SerializationTraits<pb::SubscribeRequest>::Deserialize(&copy, &request);
    Room& room = rooms_.Get(request.stream_id());
    // Under the room's lock, so `started` precedes every event numbered after its head.
    absl::MutexLock lock(&room.mu);
    pb::SubscribeResponse started;
    started.mutable_started()->set_head_sequence(room.head);
    started.mutable_started()->mutable_snapshot()->set_stream_id(request.stream_id());
    started.mutable_started()->mutable_snapshot()->set_sequence(room.head);
    subscriber->Offer(Serialize(started));
    room.subscribers.push_back(subscriber);
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
      : service_(service), cq_(cq), rooms_(rooms), max_queue_(max_queue) {}

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
    const grpc::ByteBuffer* write = nullptr;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return false;
      if (writing_ && queue_.size() >= max_queue_) {
        finished_ = true;
        finish_status_ = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "subscriber too slow");
        return false;
      }
      if (writing_) {
        queue_.push_back(std::move(frame));
        return true;
      }
      writing_ = true;
      in_flight_ = std::move(frame);
      write = in_flight_.get();
    }
    writer_.Write(*write, &written_tag_);
    return true;
  }

  void Handle(Kind kind, bool ok) {
    std::shared_ptr<AsyncSubscriber> keep;  // self_ may be released below
    {
      absl::MutexLock lock(&mu_);
      keep = self_;
    }
    switch (kind) {
      case Kind::kStarted:
        if (!ok) return;  // shutting down
        Arm(service_, cq_, rooms_, max_queue_);
        Join();
        break;
      case Kind::kWritten: {
        const grpc::ByteBuffer* write = nullptr;
        {
          absl::MutexLock lock(&mu_);
          in_flight_.reset();
          writing_ = false;
          if (!ok) finished_ = true;
          if (!finished_ && !queue_.empty()) {
            in_flight_ = std::move(queue_.front());
            queue_.pop_front();
            writing_ = true;
            write = in_flight_.get();
          }
        }
        if (write != nullptr) {
          writer_.Write(*write, &written_tag_);
        } else {
          MaybeFinish();
        }
        break;
      }
      case Kind::kDone: {
        {
          absl::MutexLock lock(&mu_);
          done_ = true;
          if (!finished_) finish_status_ = grpc::Status::CANCELLED;
          finished_ = true;
        }
        MaybeFinish();
        break;
      }
      case Kind::kFinished: {
        absl::MutexLock lock(&mu_);
        finish_completed_ = true;
        break;
      }
    }
    absl::MutexLock lock(&mu_);
    if (done_ && !writing_ && (!finish_called_ || finish_completed_)) self_.reset();
  }

 private:
  void Join() {
    pb::SubscribeRequest request;
    grpc::SerializationTraits<pb::SubscribeRequest>::Deserialize(&request_, &request);
    Room& room = rooms_.Get(request.stream_id());
    absl::MutexLock lock(&room.mu);
    pb::SubscribeResponse started;
    started.mutable_started()->set_head_sequence(room.head);
    started.mutable_started()->mutable_snapshot()->set_stream_id(request.stream_id());
    started.mutable_started()->mutable_snapshot()->set_sequence(room.head);
    Offer(Serialize(started));
    room.subscribers.push_back(shared_from_this());
  }

  void MaybeFinish() {
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      if (!finished_ || writing_ || finish_called_) return;
      finish_called_ = true;
      status = finish_status_;
    }
    writer_.Finish(status, &finished_tag_);
  }

  AsyncPublicBase& service_;
  grpc::ServerCompletionQueue* const cq_;
  Rooms& rooms_;
  const size_t max_queue_;
  grpc::ServerContext ctx_;
  grpc::ByteBuffer request_;
  grpc::ServerAsyncWriter<grpc::ByteBuffer> writer_{&ctx_};
  Tag started_tag_{this, Kind::kStarted};
  Tag written_tag_{this, Kind::kWritten};
  Tag finished_tag_{this, Kind::kFinished};
  Tag done_tag_{this, Kind::kDone};

  absl::Mutex mu_;
  std::shared_ptr<AsyncSubscriber> self_ ABSL_GUARDED_BY(mu_);
  std::deque<Frame> queue_ ABSL_GUARDED_BY(mu_);
  Frame in_flight_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_completed_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status finish_status_ ABSL_GUARDED_BY(mu_) = grpc::Status::OK;
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
