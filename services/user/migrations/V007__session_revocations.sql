-- A logout of one session voids that session's access tokens (they carry the refresh-token
-- family id as "sid"), without touching the user's other sessions: the entry names the
-- session, and not_before is the logout's cutoff, which only dates it (every token of the
-- session is void, whatever its iat). Such entries never move the user's own cutoff.
ALTER TABLE token_revocations ADD COLUMN session_id text;
ALTER TABLE token_revocations DROP CONSTRAINT token_revocations_reason_check;
ALTER TABLE token_revocations ADD CONSTRAINT token_revocations_reason_check
  CHECK (reason IN ('role_changed', 'logout_all', 'account_deleted', 'logout_session'));
ALTER TABLE token_revocations ADD CONSTRAINT token_revocations_session_check
  CHECK ((session_id IS NOT NULL) = (reason = 'logout_session'));
