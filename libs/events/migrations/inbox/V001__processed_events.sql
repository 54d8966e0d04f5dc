-- Consumer-side dedupe: ids of events already applied (see shopcast::events::MarkProcessed).
CREATE TABLE processed_events (
  event_id text PRIMARY KEY,
  processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);
