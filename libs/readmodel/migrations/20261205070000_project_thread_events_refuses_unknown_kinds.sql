-- migrate:up

-- project_thread_events ignored an event kind it did not know: a new kind in
-- the domain would have been projected as "updated_at moved" and nothing
-- else, silently. It now refuses the whole batch instead, before anything is
-- written; the function that applies the batch is unchanged (renamed, not
-- rewritten: one copy of the projection). The kinds are the domain's
-- threadEventTypes; libs/readmodel/src/projection-kinds.int.test.ts fails
-- when the domain has a kind this list lacks.
ALTER FUNCTION project_thread_events(jsonb, text) RENAME TO project_known_thread_events;

CREATE FUNCTION project_thread_events(batch jsonb, channel text)
RETURNS TABLE (thread_id text, previous_sequence_nr integer, last_sequence_nr integer, gap boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
  unknown text;
BEGIN
  SELECT string_agg(DISTINCT coalesce(e.k, '(none)'), ', ') INTO unknown
    FROM jsonb_to_recordset(batch -> 'events') AS e(k text)
   WHERE e.k IS NULL OR e.k NOT IN ('ThreadCreated', 'ThreadDestroyed', 'AdministratorIdsJoined', 'AdministratorIdsLeft',
                                    'MemberIdsJoined', 'MemberIdsLeft', 'MessagesAdded', 'MessagesRemoved');
  IF unknown IS NOT NULL THEN
    RAISE EXCEPTION 'project_thread_events: unknown event kind %; the projection has no rows for it', unknown
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY SELECT * FROM project_known_thread_events(batch, channel);
END;
$fn$;

-- As the function it replaces: the projection is the projector's (the owner's) alone.
REVOKE EXECUTE ON FUNCTION project_thread_events(jsonb, text) FROM PUBLIC;

-- migrate:down
DROP FUNCTION project_thread_events(jsonb, text);
ALTER FUNCTION project_known_thread_events(jsonb, text) RENAME TO project_thread_events;
