-- An event written for every destination, and the listeners' wake-up (delivered at commit, and
-- only then), as one function: Enqueue calls it, and a statement that makes a change and
-- reports it (a data-modifying WITH) calls it too, so the change and its event take one round
-- trip. The event's bytes and id come from events::PrepareEvent; rows are numbered in the
-- order of `destinations`.
CREATE FUNCTION outbox_enqueue(event_id text, destinations text[], type text, source text,
                               aggregate_id text, payload bytea) RETURNS void
  LANGUAGE sql VOLATILE
  AS $$
    INSERT INTO outbox (event_id, destination, type, source, aggregate_id, payload)
    SELECT event_id, d.destination, type, source, aggregate_id, payload
    FROM unnest(destinations) WITH ORDINALITY AS d(destination, n)
    ORDER BY d.n;
    SELECT pg_notify('shopcast_outbox', '');
  $$;
