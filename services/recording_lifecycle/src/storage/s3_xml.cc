#include "storage/s3_xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"
#include "storage/storage_provider.h"

namespace shopcast::recording_lifecycle::storage::s3xml {
namespace {

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

absl::Status Protocol(absl::string_view what) {
  return Error(absl::StatusCode::kInternal, kReasonProtocol,
               absl::StrCat("object store answer: ", what));
}

Doc Parse(absl::string_view xml) {
  if (xml.empty() || xml.size() > (64 << 20)) return nullptr;
  // No network, no DTD loading, no entity substitution (XXE), quiet.
  return Doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "s3.xml", nullptr,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
}

bool Is(const xmlNode* n, absl::string_view name) {
  return n != nullptr && n->type == XML_ELEMENT_NODE &&
         absl::string_view(reinterpret_cast<const char*>(n->name)) == name;
}

std::string Text(const xmlNode* n) {
  xmlChar* c = xmlNodeGetContent(n);
  if (c == nullptr) return "";
  std::string s(reinterpret_cast<const char*>(c));
  xmlFree(c);
  return s;
}

const xmlNode* Child(const xmlNode* parent, absl::string_view name) {
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (Is(c, name)) return c;
  }
  return nullptr;
}

std::string ChildText(const xmlNode* parent, absl::string_view name) {
  const xmlNode* c = Child(parent, name);
  return c == nullptr ? "" : Text(c);
}

}  // namespace

absl::StatusOr<ListResult> ParseListObjectsV2(absl::string_view xml) {
  Doc doc = Parse(xml);
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (!Is(root, "ListBucketResult")) return Protocol("no ListBucketResult");
  ListResult out;
  out.truncated = ChildText(root, "IsTruncated") == "true";
  out.next_continuation_token = ChildText(root, "NextContinuationToken");
  if (out.truncated && out.next_continuation_token.empty()) {
    return Protocol("truncated listing without NextContinuationToken");
  }
  for (const xmlNode* c = root->children; c != nullptr; c = c->next) {
    if (!Is(c, "Contents")) continue;
    ListedObject o;
    o.key = ChildText(c, "Key");
    if (o.key.empty() || !absl::SimpleAtoi(ChildText(c, "Size"), &o.size) || o.size < 0) {
      return Protocol("Contents without Key or Size");
    }
    o.etag = ChildText(c, "ETag");
    out.objects.push_back(std::move(o));
  }
  return out;
}

absl::StatusOr<std::string> ParseInitiateMultipartUpload(absl::string_view xml) {
  Doc doc = Parse(xml);
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (!Is(root, "InitiateMultipartUploadResult")) {
    return Protocol("no InitiateMultipartUploadResult");
  }
  std::string id = ChildText(root, "UploadId");
  if (id.empty()) return Protocol("no UploadId");
  return id;
}

S3ErrorBody ParseError(absl::string_view xml) {
  Doc doc = Parse(xml);
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (!Is(root, "Error")) return {};
  return {ChildText(root, "Code"), ChildText(root, "Message")};
}

absl::StatusOr<bool> CompleteFailed(absl::string_view xml, S3ErrorBody* error) {
  Doc doc = Parse(xml);
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (Is(root, "Error")) {
    *error = {ChildText(root, "Code"), ChildText(root, "Message")};
    return true;
  }
  if (Is(root, "CompleteMultipartUploadResult")) return false;
  return Protocol("no CompleteMultipartUploadResult");
}

std::string CompleteMultipartUploadBody(const std::vector<CompletedPart>& parts) {
  std::string out = "<CompleteMultipartUpload>";
  for (const CompletedPart& p : parts) {
    // ETags are quoted hex; escape anyway so no answer can inject markup.
    std::string etag;
    for (char c : p.etag) {
      switch (c) {
        case '"':
          etag += "&quot;";
          break;
        case '&':
          etag += "&amp;";
          break;
        case '<':
          etag += "&lt;";
          break;
        case '>':
          etag += "&gt;";
          break;
        default:
          etag.push_back(c);
      }
    }
    absl::StrAppend(&out, "<Part><PartNumber>", p.number, "</PartNumber><ETag>", etag,
                    "</ETag></Part>");
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

}  // namespace shopcast::recording_lifecycle::storage::s3xml
