#pragma once

// E-mail address confirmation inside the user store's transactions (see
// email_verification_store.cc).

#include <pqxx/pqxx>

#include "account.h"
#include "store/user_store.h"

namespace shopcast::user {

// Stores `mail`'s token hash for `user`'s current address and enqueues
// user.email_verification_requested (the link's token, the address, the name), in `tx`.
void MailVerification(pqxx::work& tx, const UserRow& user, const VerificationMail& mail);

}  // namespace shopcast::user
