#pragma once

// Bearer secrets (refresh tokens, stream keys): generated here, shown to their owner once, and
// stored only as HashSecret() so a database leak does not leak usable credentials.

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace shopcast::ids {

// `bytes` CSPRNG bytes as unpadded base64url (ceil(4*bytes/3) characters of [A-Za-z0-9_-]).
std::string NewSecret(size_t bytes);

// Lower-case hex SHA-256 of `secret` (64 characters); the only form in which secrets are stored.
std::string HashSecret(absl::string_view secret);

// Equality whose running time does not depend on where the inputs differ; false when the
// lengths differ (lengths are not secret: all our hashes and secrets have fixed sizes).
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace shopcast::ids
