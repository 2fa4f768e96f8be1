/** What every event carries besides its payload. */
export interface EventMetadata {
  readonly threadId: string;
  /** 1 for ThreadCreated, then +1 per event: the thread's event count. */
  readonly sequenceNr: number;
  /** Server time when the event was decided. */
  readonly occurredAt: Date;
  /** The request id of the command that produced it. */
  readonly requestId: string;
  /** The acting account. For MessagesAdded it is the sender. */
  readonly accountId: string;
}

export interface AddedMessage {
  readonly id: string;
  readonly text: string;
  readonly replyMessageId?: string | undefined;
  readonly toAccountIds: readonly string[];
}

export type ThreadEventPayload =
  | {
      readonly type: 'ThreadCreated';
      readonly creatorId: string;
      readonly parentThreadId?: string | undefined;
      readonly title: string;
      readonly remarks?: string | undefined;
      readonly administratorIds: readonly string[];
      readonly memberIds: readonly string[];
    }
  | { readonly type: 'ThreadDestroyed' }
  /** Only the ids that were not administrators yet. */
  | { readonly type: 'AdministratorIdsJoined'; readonly accountIds: readonly string[] }
  /** Only the ids that were administrators. */
  | { readonly type: 'AdministratorIdsLeft'; readonly accountIds: readonly string[] }
  /** Only the ids that were not members yet. */
  | { readonly type: 'MemberIdsJoined'; readonly accountIds: readonly string[] }
  /** Only the ids that were members. */
  | { readonly type: 'MemberIdsLeft'; readonly accountIds: readonly string[] }
  | { readonly type: 'MessagesAdded'; readonly messages: readonly AddedMessage[] }
  | { readonly type: 'MessagesRemoved'; readonly messageIds: readonly string[] };

/** One fact in a thread's history. Every accepted command yields exactly one. */
export type ThreadEvent = EventMetadata & ThreadEventPayload;

export type ThreadEventType = ThreadEventPayload['type'];

/** The eight event type names, in proto field order. */
export const threadEventTypes: readonly ThreadEventType[] = [
  'ThreadCreated',
  'ThreadDestroyed',
  'AdministratorIdsJoined',
  'AdministratorIdsLeft',
  'MemberIdsJoined',
  'MemberIdsLeft',
  'MessagesAdded',
  'MessagesRemoved',
];
