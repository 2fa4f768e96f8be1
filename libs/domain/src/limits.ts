/** The numeric rules of SPEC §1, in one place. */
export const limits = {
  titleMinLength: 1,
  titleMaxLength: 255,
  remarksMaxLength: 1_000,
  messageTextMinLength: 1,
  messageTextMaxLength: 4_000,
  messagesPerCallMin: 1,
  messagesPerCallMax: 100,
  /** Ids in one join/leave/remove call; bounds the size of one event. */
  idsPerCallMax: 1_000,
  /** Addressed accounts on one message. */
  toAccountIdsMax: 100,
  /** How many recent request ids a thread remembers for idempotent retries. */
  rememberedRequests: 1_000,
} as const;
