-- migrate:up

-- One row per thread. Destroyed threads keep their row (destroyed_at set) so
-- a late duplicate event can never resurrect them; queries filter them out.
CREATE TABLE threads (
  id               text        PRIMARY KEY,
  creator_id       text        NOT NULL,
  parent_thread_id text,
  title            text        NOT NULL,
  remarks          text,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  destroyed_at     timestamptz,
  -- The sequence number of the last event folded into this row.
  sequence_nr      integer     NOT NULL
);

-- Administrators and members. sequence_nr is the event that added the account;
-- lists sort by (sequence_nr, account_id): event order, not clock order.
CREATE TABLE thread_administrators (
  thread_id   text        NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
  account_id  text        NOT NULL,
  sequence_nr integer     NOT NULL,
  joined_at   timestamptz NOT NULL,
  PRIMARY KEY (thread_id, account_id)
);
CREATE INDEX thread_administrators_list_idx ON thread_administrators (thread_id, sequence_nr, account_id);
CREATE INDEX thread_administrators_account_idx ON thread_administrators (account_id, thread_id);

CREATE TABLE thread_members (
  thread_id   text        NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
  account_id  text        NOT NULL,
  sequence_nr integer     NOT NULL,
  joined_at   timestamptz NOT NULL,
  PRIMARY KEY (thread_id, account_id)
);
CREATE INDEX thread_members_list_idx ON thread_members (thread_id, sequence_nr, account_id);
CREATE INDEX thread_members_account_idx ON thread_members (account_id, thread_id);

-- Messages are soft-removed (removed_at) rather than deleted: the row keeps
-- reply_message_id targets resolvable and makes a replayed MessagesRemoved a
-- no-op; every query filters on removed_at IS NULL.
CREATE TABLE messages (
  id               text        PRIMARY KEY,
  thread_id        text        NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
  sender_id        text        NOT NULL,
  text             text        NOT NULL,
  reply_message_id text,
  to_account_ids   text[]      NOT NULL DEFAULT '{}',
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  removed_at       timestamptz,
  -- The MessagesAdded event that created it; lists sort by (sequence_nr, id).
  sequence_nr      integer     NOT NULL
);
CREATE INDEX messages_list_idx ON messages (thread_id, sequence_nr, id) WHERE removed_at IS NULL;

-- Threads of an account, oldest first, paged by (created_at, id).
CREATE INDEX threads_created_idx ON threads (created_at, id) WHERE destroyed_at IS NULL;

-- The projection's guard: one row per thread, locked while events apply.
CREATE TABLE projection_progress (
  thread_id        text        PRIMARY KEY,
  last_sequence_nr integer     NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- migrate:down
DROP TABLE projection_progress;
DROP TABLE messages;
DROP TABLE thread_members;
DROP TABLE thread_administrators;
DROP TABLE threads;
