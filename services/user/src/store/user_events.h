#pragma once

// The user service's events, written to its outbox by the transaction that makes them true
// (libs/events delivers them). Every one goes to realtime-push, which mails the account owner.

#include <pqxx/pqxx>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace shopcast::user {

// Enqueues event `type` about user `user_id` with `payload` for realtime-push, in `tx`.
void EnqueueUserEvent(pqxx::work& tx, absl::string_view type, absl::string_view user_id,
                      const google::protobuf::Message& payload);

}  // namespace shopcast::user
