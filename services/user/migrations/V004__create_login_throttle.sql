-- Failed-login counters per account and per client address. Kept in the database so every
-- replica of the service sees the same counts.
CREATE TABLE login_throttle (
  key            text PRIMARY KEY,           -- 'acct:<login>' or 'addr:<ip>'
  failures       integer NOT NULL DEFAULT 0,
  blocked_until  timestamptz NOT NULL DEFAULT '-infinity',
  last_failure   timestamptz NOT NULL DEFAULT now()
);
