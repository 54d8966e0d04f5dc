-- "Access tokens of this user issued before not_before are void": written in the same
-- transaction as a role change, a logout of every session or an account deletion. Every
-- service pulls this log in sequence order (UserInternalService.ListRevocations). No foreign
-- key: a deleted account's entry must outlive the account. Writers serialize on an advisory
-- lock, so sequence order is commit order and a reader never skips a late commit.
CREATE TABLE token_revocations (
  sequence     bigserial PRIMARY KEY,
  user_id      text NOT NULL,
  not_before   bigint NOT NULL,  -- unix seconds; tokens with iat < not_before are void
  user_deleted boolean NOT NULL DEFAULT false,
  reason       text NOT NULL
               CHECK (reason IN ('role_changed', 'logout_all', 'account_deleted')),
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX token_revocations_user ON token_revocations (user_id, not_before DESC);
