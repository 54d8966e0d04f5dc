#include "api/routes.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shopcast/gateway/v1/gateway.pb.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.pb.h"
#include "shopcast/user/v1/user.pb.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::gateway::api {
namespace {

// Touching one message of each contract keeps its generated code (and so its descriptors in the
// generated pool) in a statically linked binary.
void LinkContracts() {
  (void)::shopcast::user::v1::LoginRequest::descriptor();
  (void)::shopcast::product_inventory::v1::Product::descriptor();
  (void)::shopcast::order::v1::PlaceOrderRequest::descriptor();
  (void)::shopcast::realtime_push::v1::SendChatRequest::descriptor();
  (void)::shopcast::video_ingest::v1::CreateStreamRequest::descriptor();
  (void)::shopcast::recording_lifecycle::v1::GetRecordingRequest::descriptor();
  (void)::shopcast::gateway::v1::HttpError::descriptor();
}

RouteAttributes Limited(RateAction action, bool auth_required, bool per_address = false) {
  RouteAttributes a;
  a.action = action;
  a.auth_required = auth_required;
  a.per_address = per_address;
  return a;
}

// The table. Anything not here gets the defaults of AttributesFor.
const absl::flat_hash_map<std::string, RouteAttributes>& Table() {
  static const auto* table = [] {
    auto* t = new absl::flat_hash_map<std::string, RouteAttributes>;
    const std::string user = "shopcast.user.v1.UserService.";
    const std::string pi = "shopcast.product_inventory.v1.ProductInventoryService.";
    const std::string order = "shopcast.order.v1.OrderService.";
    const std::string push = "shopcast.realtime_push.v1.RealtimePushService.";
    // Before sign-in: per client address.
    for (const char* m : {"Login", "Register", "Refresh", "Logout"}) {
      RouteAttributes a = Limited(RateAction::kOtherWrite, false, true);
      a.ignores_token = true;
      (*t)[user + m] = a;
    }
    (*t)[user + "Login"].action = RateAction::kLogin;
    (*t)[user + "Register"].action = RateAction::kRegister;
    (*t)[user + "Refresh"].action = RateAction::kRefresh;
    (*t)[user + "GetMe"].auth_required = true;
    // Checks a password (an Argon2 verify and hash): the login allowance, per user.
    (*t)[user + "ChangePassword"] = Limited(RateAction::kLogin, true);
    // A forgotten password, before sign-in: per client address. Asking sends an e-mail (its own
    // scarce allowance; the user service also caps e-mails per account); using a link hashes a
    // password (the login allowance). No session is involved, so a stale access token in the
    // browser must not get in the way.
    for (const char* m : {"RequestPasswordReset", "ResetPassword"}) {
      RouteAttributes a = Limited(RateAction::kPasswordReset, false, true);
      a.ignores_token = true;
      (*t)[user + m] = a;
    }
    (*t)[user + "ResetPassword"].action = RateAction::kLogin;
    // Confirming the address from the e-mail's link: no session needed (the link may be opened
    // in another browser), per client address. Asking for another link sends an e-mail: the
    // same scarce allowance as a reset e-mail, per user.
    {
      RouteAttributes a = Limited(RateAction::kOtherWrite, false, true);
      a.ignores_token = true;
      (*t)[user + "VerifyEmail"] = a;
    }
    (*t)[user + "RequestEmailVerification"] = Limited(RateAction::kPasswordReset, true);
    // The live show: per user.
    (*t)[push + "SendChat"] = Limited(RateAction::kChat, true);
    (*t)[push + "SetReaction"] = Limited(RateAction::kReaction, false);  // anonymous too
    (*t)[pi + "PlaceBid"] = Limited(RateAction::kBid, true);
    (*t)[pi + "Reserve"] = Limited(RateAction::kReserve, true);
    (*t)[pi + "BuyNow"] = Limited(RateAction::kReserve, true);
    (*t)[pi + "Enqueue"] = Limited(RateAction::kReserve, true);
    (*t)[pi + "ClaimQueueOffer"] = Limited(RateAction::kReserve, true);
    (*t)[pi + "EnterLottery"] = Limited(RateAction::kReserve, true);
    (*t)[order + "PlaceOrder"] = Limited(RateAction::kCheckout, true);
    // Product images travel base64 in JSON.
    RouteAttributes upload = Limited(RateAction::kOtherWrite, true);
    upload.max_body_bytes = 8 * 1024 * 1024;
    upload.deadline = absl::Seconds(30);
    (*t)[pi + "UploadProductImage"] = upload;
    return t;
  }();
  return *table;
}

bool IsRead(absl::string_view method_name) {
  for (absl::string_view prefix : {"Get", "List", "Validate", "Suggest"}) {
    if (absl::StartsWith(method_name, prefix)) return true;
  }
  return false;
}

}  // namespace

const std::vector<PublicService>& PublicServices() {
  static const auto* services = new std::vector<PublicService>{
      {"user", "shopcast.user.v1.UserService"},
      {"product-inventory", "shopcast.product_inventory.v1.ProductInventoryService"},
      {"order", "shopcast.order.v1.OrderService"},
      {"realtime-push", "shopcast.realtime_push.v1.RealtimePushService"},
      {"video-ingest", "shopcast.video_ingest.v1.VideoIngestService"},
      {"recording-lifecycle", "shopcast.recording_lifecycle.v1.RecordingLifecycleService"},
      {"gateway", "shopcast.gateway.v1.GatewayService"},
  };
  return *services;
}

RouteAttributes AttributesFor(absl::string_view method_full_name) {
  const auto& table = Table();
  auto it = table.find(method_full_name);
  if (it != table.end()) return it->second;
  absl::string_view name = method_full_name.substr(method_full_name.rfind('.') + 1);
  RouteAttributes a;
  if (!IsRead(name)) a.action = RateAction::kOtherWrite;
  return a;
}

absl::StatusOr<RouteTable> RouteTable::Build() {
  LinkContracts();
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  RouteTable table;
  for (const PublicService& s : PublicServices()) {
    const google::protobuf::ServiceDescriptor* service =
        pool->FindServiceByName(std::string(s.full_name));
    if (service == nullptr) {
      return absl::InternalError(absl::StrCat("service ", s.full_name, " is not linked in"));
    }
    if (absl::StrContains(service->name(), "Internal")) {
      return absl::InternalError(absl::StrCat("internal service ", s.full_name, " listed"));
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* m = service->method(i);
      if (m->client_streaming() || m->server_streaming()) continue;
      Route r;
      r.path = absl::StrCat("/api/v1/", s.segment, "/", m->name());
      r.service = std::string(s.segment);
      r.grpc_method = absl::StrCat("/", service->full_name(), "/", m->name());
      r.method = m;
      r.allow_get = m->input_type()->field_count() == 0;
      r.attributes = AttributesFor(m->full_name());
      table.by_path_[r.path] = table.routes_.size();
      table.routes_.push_back(std::move(r));
    }
  }
  for (const auto& [name, attributes] : Table()) {
    const google::protobuf::MethodDescriptor* m = pool->FindMethodByName(name);
    if (m == nullptr || m->server_streaming() || m->client_streaming()) {
      return absl::InternalError(absl::StrCat("route attributes for unrouted method ", name));
    }
  }
  return table;
}

const Route* RouteTable::Find(absl::string_view path) const {
  auto it = by_path_.find(path);
  return it == by_path_.end() ? nullptr : &routes_[it->second];
}

}  // namespace shopcast::gateway::api
