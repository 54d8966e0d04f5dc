-- Confirming an account's e-mail address. Register mails a link (through realtime-push); its
-- token, stored as a SHA-256 like reset tokens, proves the address once. Notification e-mails
-- go only to confirmed addresses (ListFollowerContacts and GetUserContacts leave the others'
-- addresses out), so signing up with someone else's address cannot be used to mail them.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
-- Accounts from before confirmation existed keep receiving what they received.
UPDATE users SET email_verified_at = now();

-- `email` is the address the link was sent to: should the account's address ever change, a link
-- to the old one proves nothing.
CREATE TABLE email_verifications (
  token_hash text PRIMARY KEY,
  user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  email      text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  spent_at   timestamptz
);
-- The per-account hourly limit and the spending of a user's outstanding tokens.
CREATE INDEX email_verifications_user_idx ON email_verifications (user_id, created_at);

-- A spent refresh token presented again ends its session's access tokens too (a session-wide
-- revocation under its own reason, beside logout_session's).
ALTER TABLE token_revocations DROP CONSTRAINT token_revocations_reason_check;
ALTER TABLE token_revocations ADD CONSTRAINT token_revocations_reason_check
  CHECK (reason IN ('role_changed', 'logout_all', 'account_deleted', 'logout_session',
                    'password_changed', 'password_reset', 'refresh_token_reused'));
ALTER TABLE token_revocations DROP CONSTRAINT token_revocations_session_check;
ALTER TABLE token_revocations ADD CONSTRAINT token_revocations_session_check
  CHECK ((session_id IS NOT NULL) = (reason IN ('logout_session', 'refresh_token_reused')));
