/** The numeric rules of SPEC §1, in one place. */
export const limits = {
  titleMinLength: 1,
  titleMaxLength: 255,
  remarksMaxLength: 1_000,
  messageTextMinLength: 1,
  messageTextMaxLength: 4_000,
  messagesPerCallMin: 1,
  messagesPerCallMax: 100,
  /** UTF-8 bytes of text in one AddMessages (256 KiB): with the other limits, one event fits one journal item. */
  messageTextBytesPerCallMax: 256 * 1024,
  /** Addressed accounts (to_account_ids) over all messages of one AddMessages. */
  toAccountIdsPerCallMax: 1_000,
  /** Administrators + members of one thread (the command service's default; MEMBERS_PER_THREAD_MAX). */
  membersPerThreadMax: 10_000,
  /** Ids in one join/leave/remove call; bounds the size of one event. */
  idsPerCallMax: 1_000,
  /** Addressed accounts on one message. */
  toAccountIdsMax: 100,
  /** How long a request id's first outcome is kept for retries (the command service's default). */
  retryHorizonMs: 24 * 3_600_000,
  /** A request id minted further ahead of the server's clock is refused (a broken client clock). */
  requestIdMaxAheadMs: 5 * 60_000,
  /** How many recent request ids a thread remembers for idempotent retries. */
  rememberedRequests: 1_000,
} as const;
