/** What every command carries. */
export interface CommandMetadata {
  /** ULID; repeating it on the same thread is an idempotent retry. */
  readonly requestId: string;
  /** The acting account (authentication is out of scope; the domain authorises it). */
  readonly accountId: string;
  readonly threadId: string;
}

/** A message to post. The id is assigned by the server before deciding. */
export interface NewMessage {
  readonly id: string;
  readonly text: string;
  readonly replyMessageId?: string | undefined;
  readonly toAccountIds: readonly string[];
}

export type ThreadCommandBody =
  | {
      readonly type: 'CreateThread';
      readonly title: string;
      readonly remarks?: string | undefined;
      readonly parentThreadId?: string | undefined;
      readonly administratorIds: readonly string[];
      readonly memberIds: readonly string[];
    }
  | { readonly type: 'DestroyThread' }
  | { readonly type: 'JoinAdministratorIds'; readonly accountIds: readonly string[] }
  | { readonly type: 'LeaveAdministratorIds'; readonly accountIds: readonly string[] }
  | { readonly type: 'JoinMemberIds'; readonly accountIds: readonly string[] }
  | { readonly type: 'LeaveMemberIds'; readonly accountIds: readonly string[] }
  | { readonly type: 'AddMessages'; readonly messages: readonly NewMessage[] }
  | { readonly type: 'RemoveMessages'; readonly messageIds: readonly string[] };

/** One of the eight commands of SPEC §1. */
export type ThreadCommand = CommandMetadata & ThreadCommandBody;

export type ThreadCommandType = ThreadCommandBody['type'];

/** The reply to an accepted command (or to its retry). */
export interface CommandOutcome {
  readonly threadId: string;
  /** The thread's sequence number after the command. */
  readonly sequenceNr: number;
  /** Message ids added (AddMessages) or removed (RemoveMessages); otherwise empty. */
  readonly messageIds: readonly string[];
}
