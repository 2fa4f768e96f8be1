-- migrate:up

-- Applies a batch of events of many threads in one call (one round trip, one
-- transaction when called as a single statement). The projection's guarantees
-- live here, not in the client:
--   * every thread's projection_progress row is created if missing, then
--     locked FOR UPDATE in thread id order (the same order in every caller,
--     so concurrent replicas never deadlock on each other's threads);
--   * per thread only the events that follow its progress contiguously
--     (sequence_nr = last + 1, last + 2, ...) are applied: older ones are
--     duplicates, anything after a hole is left for a later call;
--   * the rows written are those that applying the run event by event gives,
--     computed set-based (one statement per table for the whole batch);
--   * progress is recorded and pg_notify(channel, '<threadId>:<last>') is
--     queued, delivered on commit only.
--
-- batch (built by the client, see src/projection-rows.ts) holds arrays of
-- flat records, each tagged with its event's thread (t), sequence number (s)
-- and time (at):
--   events  {t, s, at, k}                     k = event type
--   created {t, s, at, creator, parent, title, remarks}
--   roster  {t, s, at, admin, joined, a}      one per account joining/leaving
--   added   {t, s, at, i, id, sender, body, reply, to}   i = position in the batch
--   removed {t, s, at, id}
-- It returns one row per thread: its progress before and after, and whether
-- an event past a hole was left unapplied.
CREATE FUNCTION project_thread_events(batch jsonb, channel text)
RETURNS TABLE (thread_id text, previous_sequence_nr integer, last_sequence_nr integer, gap boolean)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  ids text[];
  locked_t text[];
  locked_last integer[];
  run_t text[];
  run_s integer[];
  expected_updates integer;
  done_updates integer;
BEGIN
  SELECT array_agg(DISTINCT e.t ORDER BY e.t) INTO ids FROM jsonb_to_recordset(batch -> 'events') AS e(t text);
  IF ids IS NULL THEN
    RETURN;
  END IF;

  -- Rows are created in id order: a concurrent creator of the same row makes
  -- this wait for its commit, and both sides go through the ids in one order.
  INSERT INTO projection_progress (thread_id, last_sequence_nr)
  SELECT id, 0 FROM unnest(ids) AS id ORDER BY id
  ON CONFLICT (thread_id) DO NOTHING;

  -- Locked in id order (LockRows runs above the sort); FOR UPDATE returns the
  -- latest committed progress once a competing replica has committed.
  SELECT array_agg(p.thread_id ORDER BY p.thread_id), array_agg(p.last_sequence_nr ORDER BY p.thread_id)
    INTO locked_t, locked_last
    FROM (SELECT p.thread_id, p.last_sequence_nr FROM projection_progress p
          WHERE p.thread_id = ANY (ids) ORDER BY p.thread_id FOR UPDATE) p;

  -- The run: with events sorted per thread and distinct, the n-th event past
  -- the progress is contiguous exactly when its number is last + n.
  SELECT array_agg(r.t), array_agg(r.s) INTO run_t, run_s
    FROM (SELECT e.t, e.s, l.last, row_number() OVER (PARTITION BY e.t ORDER BY e.s) AS n
          FROM jsonb_to_recordset(batch -> 'events') AS e(t text, s integer)
          JOIN unnest(locked_t, locked_last) AS l(t, last) ON l.t = e.t
          WHERE e.s > l.last) r
   WHERE r.s = r.last + r.n;

  IF run_t IS NOT NULL THEN
    IF jsonb_array_length(batch -> 'created') > 0 THEN
      -- Fails on an existing thread, as creating it twice must.
      INSERT INTO threads (id, creator_id, parent_thread_id, title, remarks, created_at, updated_at, sequence_nr)
      SELECT c.t, c.creator, c.parent, c.title, c.remarks, c.at, c.at, c.s
        FROM jsonb_to_recordset(batch -> 'created')
             AS c(t text, s integer, at timestamptz, creator text, parent text, title text, remarks text)
        JOIN unnest(run_t, run_s) AS r(t, s) ON r.t = c.t AND r.s = c.s
       ORDER BY c.t, c.s;
    END IF;

    -- Every later event moves updated_at and sequence_nr on; the last one wins,
    -- and the last ThreadDestroyed sets destroyed_at.
    WITH later AS (
      SELECT e.t, max(e.s) AS s,
             (array_agg(e.at ORDER BY e.s DESC))[1] AS at,
             (array_agg(e.at ORDER BY e.s DESC) FILTER (WHERE e.k = 'ThreadDestroyed'))[1] AS destroyed_at
        FROM jsonb_to_recordset(batch -> 'events') AS e(t text, s integer, at timestamptz, k text)
        JOIN unnest(run_t, run_s) AS r(t, s) ON r.t = e.t AND r.s = e.s
       WHERE e.k <> 'ThreadCreated'
       GROUP BY e.t
    ), updated AS (
      UPDATE threads th
         SET updated_at = later.at, sequence_nr = later.s, destroyed_at = coalesce(later.destroyed_at, th.destroyed_at)
        FROM later
       WHERE th.id = later.t
      RETURNING th.id
    )
    SELECT (SELECT count(*) FROM later), (SELECT count(*) FROM updated) INTO expected_updates, done_updates;
    IF done_updates <> expected_updates THEN
      RAISE EXCEPTION 'project_thread_events: % of % threads to update do not exist', expected_updates - done_updates, expected_updates
        USING ERRCODE = 'no_data_found';
    END IF;

    IF jsonb_array_length(batch -> 'roster') > 0 THEN
      -- Per (table, thread, account) only the last leave and the first join
      -- after it matter: a leave deletes the row, and that join (re)inserts it;
      -- a join with no leave before it in the run keeps an existing row.
      WITH ops AS (
        SELECT o.* FROM jsonb_to_recordset(batch -> 'roster') AS o(t text, s integer, at timestamptz, admin boolean, joined boolean, a text)
          JOIN unnest(run_t, run_s) AS r(t, s) ON r.t = o.t AND r.s = o.s
         WHERE NOT o.joined
      ), admins AS (
        DELETE FROM thread_administrators x USING ops WHERE ops.admin AND x.thread_id = ops.t AND x.account_id = ops.a
      )
      DELETE FROM thread_members x USING ops WHERE NOT ops.admin AND x.thread_id = ops.t AND x.account_id = ops.a;

      WITH ops AS (
        SELECT o.* FROM jsonb_to_recordset(batch -> 'roster') AS o(t text, s integer, at timestamptz, admin boolean, joined boolean, a text)
          JOIN unnest(run_t, run_s) AS r(t, s) ON r.t = o.t AND r.s = o.s
      ), joins AS (
        SELECT DISTINCT ON (j.admin, j.t, j.a) j.admin, j.t, j.a, j.s, j.at
          FROM ops j
         WHERE j.joined
           AND j.s > coalesce((SELECT max(l.s) FROM ops l WHERE NOT l.joined AND l.admin = j.admin AND l.t = j.t AND l.a = j.a), 0)
         ORDER BY j.admin, j.t, j.a, j.s
      ), admins AS (
        INSERT INTO thread_administrators (thread_id, account_id, sequence_nr, joined_at)
        SELECT t, a, s, at FROM joins WHERE admin
        ON CONFLICT (thread_id, account_id) DO NOTHING
      )
      INSERT INTO thread_members (thread_id, account_id, sequence_nr, joined_at)
      SELECT t, a, s, at FROM joins WHERE NOT admin
      ON CONFLICT (thread_id, account_id) DO NOTHING;
    END IF;

    IF jsonb_array_length(batch -> 'added') > 0 THEN
      -- The first addition of an id wins (earliest event, then first in it), as event by event.
      INSERT INTO messages (id, thread_id, sender_id, text, reply_message_id, to_account_ids, created_at, updated_at, sequence_nr)
      SELECT DISTINCT ON (m.id) m.id, m.t, m.sender, m.body, m.reply, m."to", m.at, m.at, m.s
        FROM jsonb_to_recordset(batch -> 'added')
             AS m(t text, s integer, at timestamptz, i integer, id text, sender text, body text, reply text, "to" text[])
        JOIN unnest(run_t, run_s) AS r(t, s) ON r.t = m.t AND r.s = m.s
       ORDER BY m.id, m.s, m.i
      ON CONFLICT (id) DO NOTHING;
    END IF;

    IF jsonb_array_length(batch -> 'removed') > 0 THEN
      -- The first removal after the message exists (before the run, or added
      -- at sequence_nr in it) stamps it; an earlier or later one is a no-op.
      WITH rm AS (
        SELECT x.t, x.s, x.at, x.id FROM jsonb_to_recordset(batch -> 'removed') AS x(t text, s integer, at timestamptz, id text)
          JOIN unnest(run_t, run_s) AS r(t, s) ON r.t = x.t AND r.s = x.s
      ), first_removal AS (
        SELECT DISTINCT ON (m.id) m.id, rm.at
          FROM messages m JOIN rm ON m.thread_id = rm.t AND m.id = rm.id AND rm.s > m.sequence_nr
         WHERE m.removed_at IS NULL
         ORDER BY m.id, rm.s
      )
      UPDATE messages m SET removed_at = f.at, updated_at = f.at FROM first_removal f WHERE m.id = f.id;
    END IF;
  END IF;

  -- Queued now, delivered on commit only: a listener never sees progress that rolled back.
  WITH applied AS (
    SELECT r.t, count(*)::integer AS n FROM unnest(run_t, run_s) AS r(t, s) GROUP BY r.t
  ), progressed AS (
    UPDATE projection_progress p SET last_sequence_nr = p.last_sequence_nr + a.n, updated_at = now()
      FROM applied a
     WHERE p.thread_id = a.t
    RETURNING p.thread_id, p.last_sequence_nr
  )
  SELECT count(pg_notify(channel, p.thread_id || ':' || p.last_sequence_nr)) INTO done_updates FROM progressed p;

  RETURN QUERY
  WITH applied AS (
    SELECT r.t, count(*)::integer AS n FROM unnest(run_t, run_s) AS r(t, s) GROUP BY r.t
  ), newest AS (
    SELECT e.t, max(e.s) AS s FROM jsonb_to_recordset(batch -> 'events') AS e(t text, s integer) GROUP BY e.t
  )
  SELECT l.t, l.last, l.last + coalesce(a.n, 0), newest.s > l.last + coalesce(a.n, 0)
    FROM unnest(locked_t, locked_last) AS l(t, last)
    JOIN newest ON newest.t = l.t
    LEFT JOIN applied a ON a.t = l.t
   ORDER BY l.t;
END;
$fn$;

-- migrate:down
DROP FUNCTION project_thread_events(jsonb, text);
