/** Base of the projector's own errors. */
export class ProjectorError extends Error {
  override readonly name: string = 'ProjectorError';
}

/**
 * The journal does not hold an event the read model needs (`[from, to]` of
 * a thread), although a later one was delivered. Retried later; never skipped.
 */
export class JournalGapError extends ProjectorError {
  override readonly name = 'JournalGapError';
  constructor(
    readonly threadId: string,
    readonly fromSequenceNr: number,
    readonly toSequenceNr: number,
  ) {
    super(`journal has no events ${fromSequenceNr}..${toSequenceNr} of thread ${threadId}, though a later one was published`);
  }
}

export function isProjectorError(err: unknown): err is ProjectorError {
  return err instanceof ProjectorError;
}

export function isJournalGapError(err: unknown): err is JournalGapError {
  return err instanceof JournalGapError;
}
