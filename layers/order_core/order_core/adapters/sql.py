"""The unit of work's SQL, written once; values are always parameters, arrays go through `unnest`."""

LOCK_ORDERS = """
    SELECT id, user_id, status, total, currency, payment_id FROM orders
    WHERE id = ANY(%s) AND deleted_at IS NULL
    ORDER BY id
    FOR UPDATE"""

UPDATE_ORDERS = """
    UPDATE orders AS o SET status = c.status, payment_id = c.payment_id, updated_at = now()
    FROM unnest(%s::uuid[], %s::text[], %s::text[]) AS c(id, status, payment_id)
    WHERE o.id = c.id"""

INSERT_HISTORY = """
    INSERT INTO order_status_history (order_id, from_status, to_status, trigger, source, occurred_at)
    SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[], %s::timestamptz[])"""

# Identity values follow transition order (WITH ORDINALITY … ORDER BY n), which the relay relies on.
# A new event is leased to the transaction's caller (not_before in the future: the relay leaves it
# alone) unless its order already has an unpublished event, which it must not overtake; the
# statement's snapshot does not see its own rows, so a batch's events of one order are leased together.
INSERT_OUTBOX = """
    INSERT INTO outbox (event_id, order_id, topic, event_type, payload, created_at, not_before)
    SELECT e, o, t, et, p::json, c,
           CASE WHEN EXISTS (SELECT 1 FROM outbox AS q WHERE q.order_id = x.o AND q.published_at IS NULL)
                THEN '-infinity' ELSE clock_timestamp() + make_interval(secs => %s) END
    FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::text[], %s::timestamptz[])
        WITH ORDINALITY AS x(e, o, t, et, p, c, n)
    ORDER BY n
    RETURNING event_id, not_before <> '-infinity'"""

INSERT_DEAD_LETTERS = """
    INSERT INTO dead_letters (topic, partition, "offset", key, value, headers, reason, detail, order_id)
    SELECT * FROM unnest(%s::text[], %s::int[], %s::bigint[], %s::bytea[], %s::bytea[], %s::jsonb[],
                         %s::text[], %s::text[], %s::uuid[])
    ON CONFLICT (topic, partition, "offset") DO NOTHING"""

# Due events (oldest first) whose order has no earlier event that is not due (backing off, or leased
# to a publisher); then, per order, only the run of claimed events before the first pending event this
# claim does not hold (locked by someone else, or beyond the limit). Each step is an index probe per
# row or per order, so the claim grows linearly with its size.
CLAIM = """
    WITH claimed AS (
        SELECT id, order_id FROM outbox AS o
        WHERE published_at IS NULL AND not_before <= now()
          AND NOT EXISTS (SELECT 1 FROM outbox AS e
                          WHERE e.order_id = o.order_id AND e.published_at IS NULL AND e.id < o.id
                            AND e.not_before > now())
        ORDER BY id
        LIMIT %s
        FOR UPDATE SKIP LOCKED),
    gaps AS (
        SELECT c.order_id,
               (SELECT min(p.id) FROM outbox AS p
                WHERE p.order_id = c.order_id AND p.published_at IS NULL AND p.id <> ALL (c.ids)) AS gap
        FROM (SELECT order_id, array_agg(id) AS ids FROM claimed GROUP BY order_id) AS c)
    SELECT o.event_id, o.order_id, o.topic, o.event_type, o.payload::text, o.created_at
    FROM claimed AS c JOIN gaps AS g USING (order_id) JOIN outbox AS o ON o.id = c.id
    WHERE g.gap IS NULL OR c.id < g.gap
    ORDER BY c.id"""

MARK_PUBLISHED = "UPDATE outbox SET published_at = now() WHERE event_id = ANY(%s) AND published_at IS NULL"

# Exponential backoff per event, 2 s doubling up to 5 minutes, from now (clock_timestamp: the relay's
# transaction may have been open for a while); the error is kept for operators.
MARK_FAILED = """
    UPDATE outbox AS o
    SET attempts = o.attempts + 1, last_error = f.error,
        not_before = clock_timestamp()
                     + least(make_interval(secs => 2 ^ least(o.attempts + 1, 20)), interval '5 minutes')
    FROM unnest(%s::uuid[], %s::text[]) AS f(event_id, error)
    WHERE o.event_id = f.event_id AND o.published_at IS NULL"""

PRUNE_PUBLISHED = """
    WITH pruned AS (
        DELETE FROM outbox WHERE id IN (
            SELECT id FROM outbox WHERE published_at < now() - make_interval(days => %s) ORDER BY published_at LIMIT %s)
        RETURNING 1)
    SELECT count(*) FROM pruned"""

BACKLOG = """
    SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8, coalesce(max(attempts), 0)
    FROM outbox WHERE published_at IS NULL"""
