-- Where each instance serves HLS (its advertised origin base URL, e.g.
-- "http://video-ingest-1.video-ingest-hls:8088"), so LookupStreams can tell the gateway which
-- replica holds a live stream. Written with every heartbeat; '' for an instance that predates it.
ALTER TABLE ingest_instances ADD COLUMN hls_origin text NOT NULL DEFAULT '';
