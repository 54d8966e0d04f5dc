#pragma once

// Client channels for a load: each its own TCP connection to the target.

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"

namespace shopcast::bench {

// `count` insecure channels to `target` ("127.0.0.1:port"), none sharing a connection.
std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& target, int count);

}  // namespace shopcast::bench
