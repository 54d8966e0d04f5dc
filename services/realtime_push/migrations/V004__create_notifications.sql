-- Per-user notification inboxes, the go-live fan-out jobs that fill them, and the e-mail outbox.

-- One row per (recipient, dedupe key): a repeated Notify or a resumed fan-out adds nothing.
CREATE TABLE notifications (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  dedupe_key text NOT NULL,
  -- shopcast.realtime_push.v1.NotificationKind.
  kind smallint NOT NULL CHECK (kind BETWEEN 1 AND 8),
  title text NOT NULL,
  body text NOT NULL,
  stream_id text NOT NULL DEFAULT '',
  product_id text NOT NULL DEFAULT '',
  auction_id text NOT NULL DEFAULT '',
  order_id text NOT NULL DEFAULT '',
  link text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  read_at timestamptz,
  expires_at timestamptz NOT NULL,
  -- The inserting transaction (64-bit, epoch included). Live subscribers read only rows of
  -- transactions older than every one still running, so a late commit is never skipped.
  txid bigint NOT NULL DEFAULT txid_current(),
  CONSTRAINT notifications_user_dedupe_key UNIQUE (user_id, dedupe_key)
);
CREATE INDEX notifications_inbox_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id, created_at)
  WHERE read_at IS NULL;
CREATE INDEX notifications_txid_idx ON notifications (user_id, txid);
CREATE INDEX notifications_expires_idx ON notifications (expires_at);

-- A host's followers to notify, paged through the user service by a background worker. The
-- cursor advances in the same transaction as the batch's inbox rows, so a crash resumes after
-- the last committed batch. next_attempt_at doubles as the lease of the worker holding it.
CREATE TABLE notification_fanouts (
  dedupe_key text PRIMARY KEY,
  host_id text NOT NULL,
  stream_id text NOT NULL,
  title text NOT NULL,
  after_user_id text NOT NULL DEFAULT '',
  batches integer NOT NULL DEFAULT 0,
  failures integer NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT '',
  next_attempt_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  done_at timestamptz
);
CREATE INDEX notification_fanouts_pending_idx ON notification_fanouts (next_attempt_at)
  WHERE done_at IS NULL;

-- One e-mail per notification that has one. 'sending' is held under a lease; a sender lost
-- while sending leaves an unknown outcome ('unknown'), never resent.
CREATE TABLE notification_emails (
  notification_id text PRIMARY KEY,
  to_address text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  state text NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  lease_until timestamptz,
  last_error text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  finished_at timestamptz
);
CREATE INDEX notification_emails_due_idx ON notification_emails (next_attempt_at)
  WHERE state = 'pending';
CREATE INDEX notification_emails_sending_idx ON notification_emails (lease_until)
  WHERE state = 'sending';
