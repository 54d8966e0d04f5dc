-- SHA-256 of the CreateStream request that first used a stream's idempotency key (its
-- normalised title, description, tags and schedule), so that the key reused with different
-- content is refused instead of silently answering for the first request. NULL for streams
-- created before it existed: a retry of those is treated as the same request.
ALTER TABLE streams ADD COLUMN request_fingerprint text;
