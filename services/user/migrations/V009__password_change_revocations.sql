-- A password change ends every session of the user: like a logout of all of them, recorded
-- under its own reason so the log tells the two apart.
ALTER TABLE token_revocations DROP CONSTRAINT token_revocations_reason_check;
ALTER TABLE token_revocations ADD CONSTRAINT token_revocations_reason_check
  CHECK (reason IN ('role_changed', 'logout_all', 'account_deleted', 'logout_session',
                    'password_changed'));
