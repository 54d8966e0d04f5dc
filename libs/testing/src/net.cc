#include "shopcast/testing/net.h"

#include <stdexcept>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace shopcast::testing {

namespace beast = boost::beast;
namespace http = boost::beast::http;

HttpResponse HttpGet(int port, const std::string& path) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"),
                                    static_cast<unsigned short>(port));
  boost::system::error_code ec;
  socket.connect(ep, ec);
  if (ec) throw std::runtime_error("connect to port " + std::to_string(port) + ": " + ec.message());
  http::request<http::empty_body> req{http::verb::get, path, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  return HttpResponse{static_cast<int>(res.result_int()), res.body()};
}

int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::health::v1::HealthCheckResponse res;
  grpc::Status st = stub->Check(&ctx, req, &res);
  if (st.error_code() == grpc::StatusCode::NOT_FOUND) return 3;
  if (!st.ok()) return -1;
  return static_cast<int>(res.status());
}

std::shared_ptr<grpc::Channel> LocalChannel(int port) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                             grpc::InsecureChannelCredentials());
}

}  // namespace shopcast::testing
