import type { ThreadEvent } from '@threadweaver/domain';

/**
 * The argument of the `project_thread_events` SQL function: a batch of
 * events flattened into one array of records per target table. Every record
 * carries its event's thread (`t`), sequence number (`s`) and time (`at`), so
 * the function can keep only the events that follow each thread's progress.
 * Keys are short because the whole batch travels as one jsonb parameter.
 */
export interface ProjectionRows {
  events: { t: string; s: number; at: string; k: ThreadEvent['type'] }[];
  created: { t: string; s: number; at: string; creator: string; parent: string | null; title: string; remarks: string | null }[];
  roster: { t: string; s: number; at: string; admin: boolean; joined: boolean; a: string }[];
  added: { t: string; s: number; at: string; i: number; id: string; sender: string; body: string; reply: string | null; to: string[] }[];
  removed: { t: string; s: number; at: string; id: string }[];
}

/** Flattens events (each thread's sorted and distinct by sequence number) into {@link ProjectionRows}. */
export function projectionRows(events: readonly ThreadEvent[]): ProjectionRows {
  const rows: ProjectionRows = { events: [], created: [], roster: [], added: [], removed: [] };
  for (const event of events) {
    const key = { t: event.threadId, s: event.sequenceNr, at: event.occurredAt.toISOString() };
    rows.events.push({ ...key, k: event.type });
    const roster = (admin: boolean, joined: boolean, accountIds: readonly string[]) => {
      for (const a of accountIds) rows.roster.push({ ...key, admin, joined, a });
    };
    switch (event.type) {
      case 'ThreadCreated':
        rows.created.push({
          ...key,
          creator: event.creatorId,
          parent: event.parentThreadId ?? null,
          title: event.title,
          remarks: event.remarks ?? null,
        });
        roster(true, true, event.administratorIds);
        roster(false, true, event.memberIds);
        break;
      case 'ThreadDestroyed':
        break;
      case 'AdministratorIdsJoined':
        roster(true, true, event.accountIds);
        break;
      case 'AdministratorIdsLeft':
        roster(true, false, event.accountIds);
        break;
      case 'MemberIdsJoined':
        roster(false, true, event.accountIds);
        break;
      case 'MemberIdsLeft':
        roster(false, false, event.accountIds);
        break;
      case 'MessagesAdded':
        for (const m of event.messages) {
          rows.added.push({ ...key, i: rows.added.length, id: m.id, sender: event.accountId, body: m.text, reply: m.replyMessageId ?? null, to: [...m.toAccountIds] });
        }
        break;
      case 'MessagesRemoved':
        for (const id of event.messageIds) rows.removed.push({ ...key, id });
        break;
      default:
        return assertNever(event);
    }
  }
  return rows;
}

function assertNever(event: never): never {
  throw new Error(`unknown event type ${JSON.stringify((event as { type?: unknown }).type)}`);
}
