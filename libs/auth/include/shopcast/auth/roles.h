#pragma once

// Caller roles as they travel in access tokens ("role" claim) and in shopcast.user.v1.Role.

#include <optional>

#include "absl/strings/string_view.h"

namespace shopcast::auth {

// Ordered by privilege: viewer < host < admin. Values equal shopcast.user.v1.Role.
enum class Role { kViewer = 1, kHost = 2, kAdmin = 3 };

// "viewer", "host" or "admin" (the token claim spelling).
absl::string_view RoleName(Role role);

// The role spelled exactly as RoleName() spells it; nullopt for anything else.
std::optional<Role> ParseRole(absl::string_view name);

}  // namespace shopcast::auth
