#include "auction_client.h"

#include <pqxx/binarystring>
#include <pqxx/pqxx>

namespace shopcast::product_inventory::testing {

std::vector<realtime_push::v1::RoomEvent> RoomEvents(const AppFixture& f,
                                                     const std::string& stream) {
  pqxx::connection c(f.dsn());
  pqxx::work tx(c);
  std::vector<realtime_push::v1::RoomEvent> out;
  for (const auto& row :
       tx.exec_params("SELECT payload FROM outbox WHERE aggregate_id = $1 AND destination = "
                      "'realtime_push' AND type LIKE 'product_inventory.auction_%' ORDER BY id",
                      stream)) {
    common::v1::Event event;
    event.ParseFromString(pqxx::binarystring(row[0]).str());
    realtime_push::v1::RoomEvent room;
    if (!event.payload().UnpackTo(&room)) throw std::runtime_error("not a RoomEvent");
    out.push_back(std::move(room));
  }
  return out;
}

std::vector<std::string> RoomEventTypes(const AppFixture& f, const std::string& stream) {
  std::vector<std::string> out;
  for (const auto& e : RoomEvents(f, stream)) {
    const auto* oneof = e.GetDescriptor()->FindOneofByName("payload");
    const auto* field = e.GetReflection()->GetOneofFieldDescriptor(e, oneof);
    out.push_back(field == nullptr ? "" : field->name());
  }
  return out;
}

}  // namespace shopcast::product_inventory::testing
