#include "api/openapi.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/descriptor.h"
#include "nlohmann/json.hpp"
#include "shopcast/gateway/v1/gateway.pb.h"

namespace shopcast::gateway::api {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using nlohmann::json;

std::string SchemaName(const Descriptor* d) { return d->full_name(); }

json Ref(const Descriptor* d) {
  return json{{"$ref", absl::StrCat("#/components/schemas/", SchemaName(d))}};
}

// Schemas of the well-known types as their JSON mapping writes them; null for the others.
json WellKnown(const Descriptor* d, std::set<const Descriptor*>& pending) {
  const std::string& n = d->full_name();
  if (n == "google.protobuf.Timestamp") {
    return json{{"type", "string"}, {"format", "date-time"}};
  }
  if (n == "google.protobuf.Duration") {
    return json{{"type", "string"},
                {"pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$"},
                {"description", "seconds with an 's' suffix, e.g. \"1.5s\""}};
  }
  if (n == "google.protobuf.FieldMask") {
    return json{{"type", "string"}, {"description", "comma-separated lowerCamelCase paths"}};
  }
  if (n == "google.protobuf.Any") {
    return json{{"type", "object"},
                {"properties", {{"@type", {{"type", "string"}}}}},
                {"required", {"@type"}},
                {"additionalProperties", true}};
  }
  if (n == "google.protobuf.Struct" || n == "google.protobuf.Value" ||
      n == "google.protobuf.ListValue") {
    return json::object();
  }
  if (n == "google.protobuf.Empty") return json{{"type", "object"}};
  if (d->file()->name() == "google/protobuf/wrappers.proto") {
    (void)pending;
    const FieldDescriptor* value = d->FindFieldByName("value");
    json inner;
    switch (value->cpp_type()) {
      case FieldDescriptor::CPPTYPE_BOOL:
        inner = {{"type", "boolean"}};
        break;
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_UINT32:
        inner = {{"type", "integer"}};
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
      case FieldDescriptor::CPPTYPE_DOUBLE:
        inner = {{"type", "number"}};
        break;
      default:
        inner = {{"type", "string"}};
        break;
    }
    return inner;
  }
  return nullptr;
}

json ScalarSchema(const FieldDescriptor* f, std::set<const Descriptor*>& pending) {
  switch (f->type()) {
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_SINT32:
    case FieldDescriptor::TYPE_SFIXED32:
      return json{{"type", "integer"}, {"format", "int32"}};
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_FIXED32:
      return json{{"type", "integer"}, {"format", "uint32"}, {"minimum", 0}};
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_SINT64:
    case FieldDescriptor::TYPE_SFIXED64:
      // The proto3 JSON mapping writes 64-bit integers as strings (numbers are accepted too).
      return json{{"type", {"string", "integer"}}, {"format", "int64"}};
    case FieldDescriptor::TYPE_UINT64:
    case FieldDescriptor::TYPE_FIXED64:
      return json{{"type", {"string", "integer"}}, {"format", "uint64"}};
    case FieldDescriptor::TYPE_FLOAT:
      return json{{"type", "number"}, {"format", "float"}};
    case FieldDescriptor::TYPE_DOUBLE:
      return json{{"type", "number"}, {"format", "double"}};
    case FieldDescriptor::TYPE_BOOL:
      return json{{"type", "boolean"}};
    case FieldDescriptor::TYPE_STRING:
      return json{{"type", "string"}};
    case FieldDescriptor::TYPE_BYTES:
      return json{{"type", "string"}, {"contentEncoding", "base64"}};
    case FieldDescriptor::TYPE_ENUM: {
      json names = json::array();
      for (int i = 0; i < f->enum_type()->value_count(); ++i) {
        names.push_back(f->enum_type()->value(i)->name());
      }
      return json{{"type", "string"}, {"enum", names}};
    }
    case FieldDescriptor::TYPE_MESSAGE:
    case FieldDescriptor::TYPE_GROUP: {
      json wk = WellKnown(f->message_type(), pending);
      if (!wk.is_null()) return wk;
      pending.insert(f->message_type());
      return Ref(f->message_type());
    }
  }
  return json::object();
}

json FieldSchema(const FieldDescriptor* f, std::set<const Descriptor*>& pending) {
  if (f->is_map()) {
    const FieldDescriptor* value = f->message_type()->FindFieldByName("value");
    return json{{"type", "object"}, {"additionalProperties", ScalarSchema(value, pending)}};
  }
  json s = ScalarSchema(f, pending);
  if (f->is_repeated()) return json{{"type", "array"}, {"items", s}};
  return s;
}

json MessageSchema(const Descriptor* d, std::set<const Descriptor*>& pending) {
  json wk = WellKnown(d, pending);
  if (!wk.is_null()) return wk;
  json properties = json::object();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    json s = FieldSchema(f, pending);
    if (f->real_containing_oneof() != nullptr) {
      s = json{{"allOf", {s}},
               {"description", absl::StrCat("one of '", f->real_containing_oneof()->name(),
                                            "': at most one of its fields is set")}};
    }
    properties[f->json_name()] = s;
  }
  return json{{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
}

json ErrorResponses() {
  json error = {
      {"description", "an error: the status maps the gRPC code (grpc-gateway's table)"},
      {"content", {{"application/json", {{"schema", Ref(v1::HttpError::descriptor())}}}}}};
  return json{{"default", error}};
}

}  // namespace

std::string OpenApiDocument(const RouteTable& routes, const std::string& version) {
  std::set<const Descriptor*> pending;
  json paths = json::object();
  for (const Route& r : routes.routes()) {
    const Descriptor* in = r.method->input_type();
    const Descriptor* out = r.method->output_type();
    pending.insert(in);
    pending.insert(out);
    json op = {
        {"operationId", absl::StrCat(r.service, ".", r.method->name())},
        {"tags", {r.service}},
        {"summary", absl::StrCat(r.method->service()->name(), ".", r.method->name())},
        {"responses", ErrorResponses()},
    };
    op["responses"]["200"] = {{"description", "the response message in the proto3 JSON mapping"},
                              {"content", {{"application/json", {{"schema", Ref(out)}}}}}};
    op["security"] = r.attributes.auth_required
                         ? json::array({{{"bearer", json::array()}}})
                         : json::array({json::object(), {{"bearer", json::array()}}});
    if (r.attributes.action) op["x-shopcast-rate-limited"] = true;
    json item = json::object();
    json post = op;
    post["requestBody"] = {
        {"required", false},
        {"description", "the request message in the proto3 JSON mapping; empty = all defaults"},
        {"content", {{"application/json", {{"schema", Ref(in)}}}}}};
    item["post"] = post;
    if (r.allow_get) {
      json get = op;
      get["operationId"] = absl::StrCat(r.service, ".", r.method->name(), ".get");
      item["get"] = get;
    }
    paths[r.path] = item;
  }
  pending.insert(v1::HttpError::descriptor());
  json schemas = json::object();
  std::set<const Descriptor*> done;
  while (!pending.empty()) {
    const Descriptor* d = *pending.begin();
    pending.erase(pending.begin());
    if (!done.insert(d).second) continue;
    schemas[SchemaName(d)] = MessageSchema(d, pending);
  }
  json doc = {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Shopcast API"},
        {"version", version.empty() ? "0.0.0" : version},
        {"description",
         "Every public unary RPC of the Shopcast services, as JSON over HTTP. Bodies use the "
         "proto3 JSON mapping (lowerCamelCase names, 64-bit integers as strings, enums by "
         "name, Timestamps as RFC 3339); responses print scalar, repeated and map fields even "
         "when they hold their default value. Unknown fields are refused."}}},
      {"paths", paths},
      {"components",
       {{"schemas", schemas},
        {"securitySchemes",
         {{"bearer", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}}}}}},
  };
  return doc.dump();
}

}  // namespace shopcast::gateway::api
