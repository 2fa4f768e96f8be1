import type { ThreadEvent } from '@threadweaver/proto';

/** A thread event as `tw tail --json` prints it: one flat object, the payload's case as `type`. */
export interface EventView {
  readonly sequenceNr: number;
  readonly occurredAt: string;
  readonly accountId: string;
  readonly requestId: string;
  /** The payload's case (`messagesAdded`), or `unknown` for a case newer than this client. */
  readonly type: string;
  readonly payload: unknown;
}

/** The {@link EventView} of `event`. */
export function eventView(event: ThreadEvent): EventView {
  return {
    sequenceNr: event.sequenceNr,
    occurredAt: event.occurredAt?.toISOString() ?? '',
    accountId: event.accountId,
    requestId: event.requestId,
    type: event.payload?.$case ?? 'unknown',
    payload: event.payload?.value ?? {},
  };
}

/** One line for people: sequence number, time, account, what happened. */
export function eventLine(event: ThreadEvent): string {
  const head = `#${event.sequenceNr}  ${event.occurredAt?.toISOString() ?? ''}  ${event.accountId}`;
  return `${head}  ${describePayload(event.payload)}`;
}

function describePayload(payload: ThreadEvent['payload']): string {
  switch (payload?.$case) {
    case 'threadCreated':
      return `created "${payload.value.title}" admins ${payload.value.administratorIds.join(',')}`;
    case 'threadDestroyed':
      return 'destroyed';
    case 'administratorIdsJoined':
      return `admins added ${payload.value.accountIds.join(',')}`;
    case 'administratorIdsLeft':
      return `admins removed ${payload.value.accountIds.join(',')}`;
    case 'memberIdsJoined':
      return `members added ${payload.value.accountIds.join(',')}`;
    case 'memberIdsLeft':
      return `members removed ${payload.value.accountIds.join(',')}`;
    case 'messagesAdded':
      return payload.value.messages.map((m) => `${m.id}${m.replyMessageId === undefined ? '' : ` (reply to ${m.replyMessageId})`}: ${m.text.replace(/\r?\n/g, '↵')}`).join('\n    ');
    case 'messagesRemoved':
      return `removed ${payload.value.messageIds.join(',')}`;
    case undefined:
      return 'event of a kind this tw does not know';
  }
}
