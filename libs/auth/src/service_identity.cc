#include "shopcast/auth/service_identity.h"

#include <grpc/grpc_security_constants.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "grpcpp/security/auth_metadata_processor.h"
#include "shopcast/status/status.h"

namespace shopcast::auth {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

absl::Status Invalid(const std::string& message) {
  return Error(absl::StatusCode::kInvalidArgument, "SERVICE_TLS_INVALID", message);
}

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (path.empty() || !in) {
    return Error(absl::StatusCode::kNotFound, "SERVICE_TLS_UNREADABLE",
                 std::string("cannot read the service ") + what + " file " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::unique_ptr<BIO, BioFree> BioOf(const std::string& pem) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

X509Ptr ParseCert(const std::string& pem) {
  auto bio = BioOf(pem);
  return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

std::string CommonName(X509* cert) {
  char cn[256] = {0};
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  return n > 0 ? std::string(cn, static_cast<size_t>(n)) : "";
}

// Runs on every call of an internal listener, before any handler: the one place the service
// credential is checked, so no handler can forget to.
class ServicePeerCheck : public grpc::AuthMetadataProcessor {
 public:
  explicit ServicePeerCheck(std::vector<std::string> allowed) : allowed_(std::move(allowed)) {}

  bool IsBlocking() const override { return false; }  // no I/O: run inline

  grpc::Status Process(const InputMetadata&, grpc::AuthContext* context, OutputMetadata*,
                       OutputMetadata*) override {
    std::string peer;
    if (context != nullptr && context->IsPeerAuthenticated()) {
      for (const grpc::string_ref& v : context->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME)) {
        peer.assign(v.data(), v.size());
      }
    }
    if (peer.empty()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "internal RPC: a service certificate is required");
    }
    if (!allowed_.empty() && std::find(allowed_.begin(), allowed_.end(), peer) == allowed_.end()) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          "internal RPC: this service may not call this listener");
    }
    return grpc::Status::OK;
  }

 private:
  std::vector<std::string> allowed_;
};

}  // namespace

absl::StatusOr<ServiceTls> LoadServiceTls(const ServiceTlsFiles& files) {
  ServiceTls tls;
  ASSIGN_OR_RETURN(tls.ca_pem, ReadFile(files.ca_file, "CA certificate"));
  ASSIGN_OR_RETURN(tls.cert_pem, ReadFile(files.cert_file, "certificate"));
  ASSIGN_OR_RETURN(tls.key_pem, ReadFile(files.key_file, "key"));

  X509Ptr ca = ParseCert(tls.ca_pem);
  if (!ca) return Invalid("the service CA file is not a PEM certificate");
  X509Ptr cert = ParseCert(tls.cert_pem);
  if (!cert) return Invalid("the service certificate file is not a PEM certificate");
  auto key_bio = BioOf(tls.key_pem);
  KeyPtr key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return Invalid("the service key file is not an unencrypted PEM private key");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return Invalid("the service key does not belong to the service certificate");
  }
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1) {
    return absl::InternalError("cannot set up certificate verification");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    return Invalid(std::string("the service certificate does not verify against the CA: ") +
                   X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  }
  tls.name = CommonName(cert.get());
  if (tls.name.empty()) return Invalid("the service certificate has no common name");
  return tls;
}

std::shared_ptr<grpc::ServerCredentials> InternalServerCredentials(
    const ServiceTls& tls, std::vector<std::string> allowed_peers) {
  grpc::SslServerCredentialsOptions options(
      // Ask for and verify a client certificate, but let the handshake finish without one,
      // so such a call is refused with UNAUTHENTICATED by the check above instead of an
      // opaque transport failure.
      GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = tls.ca_pem;
  options.pem_key_cert_pairs.push_back({tls.key_pem, tls.cert_pem});
  auto creds = grpc::SslServerCredentials(options);
  creds->SetAuthMetadataProcessor(std::make_shared<ServicePeerCheck>(std::move(allowed_peers)));
  return creds;
}

std::shared_ptr<grpc::ChannelCredentials> InternalChannelCredentials(const ServiceTls& tls) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = tls.ca_pem;
  options.pem_private_key = tls.key_pem;
  options.pem_cert_chain = tls.cert_pem;
  return grpc::SslCredentials(options);
}

std::string ServicePeerName(const grpc::ServerContextBase& ctx) {
  std::shared_ptr<const grpc::AuthContext> auth = ctx.auth_context();
  if (!auth || !auth->IsPeerAuthenticated()) return "";
  std::string peer;
  for (const grpc::string_ref& v : auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME)) {
    peer.assign(v.data(), v.size());
  }
  return peer;
}

}  // namespace shopcast::auth
