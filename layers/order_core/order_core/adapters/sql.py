"""The unit of work's SQL, written once; values are always parameters, arrays go through `unnest`.

A batch's arrays go in binary (`%b`): psycopg dumps 500 UUIDs, timestamps or JSON texts in a tenth of the time
it takes as text (with the quoting), and Postgres reads them without parsing text. The rare statements (dead letters,
a failed delivery) keep text."""

# An order as the API shows it (views.OrderView): read by the queries, and by a command inside its own transaction.
ORDER_COLUMNS = """id, user_id, status, subtotal, tax, total, currency, customer_notes, metadata, payment_id,
                   created_at, updated_at"""

GET_ORDER = f"SELECT {ORDER_COLUMNS} FROM orders WHERE id = %s AND deleted_at IS NULL"

LOCK_ORDERS = """
    SELECT id, user_id, status, total, currency, payment_id FROM orders
    WHERE id = ANY(%b) AND deleted_at IS NULL
    ORDER BY id
    FOR UPDATE"""

UPDATE_ORDERS = """
    UPDATE orders AS o SET status = c.status, payment_id = c.payment_id, updated_at = now()
    FROM unnest(%b::uuid[], %b::text[], %b::text[]) AS c(id, status, payment_id)
    WHERE o.id = c.id"""

INSERT_HISTORY = """
    INSERT INTO order_status_history (order_id, from_status, to_status, trigger, source, occurred_at)
    SELECT * FROM unnest(%b::uuid[], %b::text[], %b::text[], %b::text[], %b::text[], %b::timestamptz[])"""

# Per order, pending events never become due before an earlier one: not_before never decreases along an
# order's pending events (a new event behind pending ones inherits the latest of theirs; a failure pushes
# the later ones back with it). So the relay can claim what is due in id order, and per order that is a
# prefix of its pending events.
#
# A new event whose order has nothing pending is leased to the transaction's caller, which publishes it
# right after commit; the relay leaves it alone until the lease ends. The statement returns those event
# ids. Identity values follow transition order (WITH ORDINALITY … ORDER BY n).
INSERT_OUTBOX = """
    WITH new AS (
        SELECT x.*, head.not_before AS head
        FROM unnest(%b::uuid[], %b::uuid[], %b::text[], %b::text[], %b::text[], %b::timestamptz[])
                 WITH ORDINALITY AS x(e, o, t, et, p, c, n)
             CROSS JOIN LATERAL (SELECT max(q.not_before) AS not_before FROM outbox AS q
                                 WHERE q.order_id = x.o AND q.published_at IS NULL) AS head),
    inserted AS (
        INSERT INTO outbox (event_id, order_id, topic, event_type, payload, created_at, not_before)
        SELECT e, o, t, et, p::json, c, coalesce(head, clock_timestamp() + make_interval(secs => %s))
        FROM new ORDER BY n
        RETURNING 1)
    SELECT e FROM new WHERE head IS NULL"""

INSERT_DEAD_LETTERS = """
    INSERT INTO dead_letters (topic, partition, "offset", key, value, headers, reason, detail, order_id)
    SELECT * FROM unnest(%s::text[], %s::int[], %s::bigint[], %s::bytea[], %s::bytea[], %s::jsonb[],
                         %s::text[], %s::text[], %s::uuid[])
    ON CONFLICT (topic, partition, "offset") DO NOTHING"""

# Due events in id order, skipping rows another relay holds; then, per order, only the claimed events
# before the first pending one this claim does not hold (locked elsewhere, or beyond the limit). One index
# probe per claimed order: the claim grows linearly with its size, whatever the statistics.
CLAIM = """
    WITH claimed AS (
        SELECT id, order_id FROM outbox
        WHERE published_at IS NULL AND not_before <= clock_timestamp()
        ORDER BY id
        LIMIT %s
        FOR UPDATE SKIP LOCKED),
    gaps AS (
        SELECT c.order_id,
               coalesce((SELECT min(p.id) FROM outbox AS p
                         WHERE p.order_id = c.order_id AND p.published_at IS NULL AND p.id <> ALL (c.ids)),
                        9223372036854775807) AS gap
        FROM (SELECT order_id, array_agg(id) AS ids FROM claimed GROUP BY order_id) AS c)
    SELECT o.event_id, o.order_id, o.topic, o.event_type, o.payload::text, o.created_at
    FROM claimed AS c JOIN gaps AS g USING (order_id) JOIN outbox AS o ON o.id = c.id
    WHERE c.id < g.gap
    ORDER BY c.id"""

MARK_PUBLISHED = "UPDATE outbox SET published_at = now() WHERE event_id = ANY(%b) AND published_at IS NULL"

# Exponential backoff per event, 2 s doubling up to 5 minutes, from now (clock_timestamp: the relay's
# transaction may have been open for a while); the error is kept for operators. The order's later
# pending events are pushed back with it, so they never become due first.
MARK_FAILED = """
    WITH failed AS (
        UPDATE outbox AS o
        SET attempts = o.attempts + 1, last_error = f.error,
            not_before = clock_timestamp()
                         + least(make_interval(secs => 2 ^ least(o.attempts + 1, 20)), interval '5 minutes')
        FROM unnest(%(ids)s::uuid[], %(errors)s::text[]) AS f(event_id, error)
        WHERE o.event_id = f.event_id AND o.published_at IS NULL
        RETURNING o.id, o.order_id, o.not_before)
    UPDATE outbox AS later SET not_before = failed.not_before
    FROM failed
    WHERE later.order_id = failed.order_id AND later.id > failed.id AND later.published_at IS NULL
      AND later.not_before < failed.not_before AND later.event_id <> ALL (%(ids)s::uuid[])"""

PRUNE_PUBLISHED = """
    WITH pruned AS (
        DELETE FROM outbox WHERE id IN (
            SELECT id FROM outbox WHERE published_at < now() - make_interval(days => %s) ORDER BY published_at LIMIT %s)
        RETURNING 1)
    SELECT count(*) FROM pruned"""

BACKLOG = """
    SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8, coalesce(max(attempts), 0)
    FROM outbox WHERE published_at IS NULL"""
