import { BusNatsError } from './errors.js';

// A thread id becomes one subject token, so it may not hold separators,
// wildcards or whitespace. ULIDs never do; this guards against misuse.
const subjectToken = /^[^\s.*>]+$/;

/** The subject a thread's events are published on: `<prefix>.<threadId>`. */
export function threadSubject(subjectPrefix: string, threadId: string): string {
  if (!subjectToken.test(threadId)) {
    throw new BusNatsError(`thread id ${JSON.stringify(threadId)} cannot be a NATS subject token`);
  }
  return `${subjectPrefix}.${threadId}`;
}

/** The JetStream message id of an event, so a republish is dropped as a duplicate. */
export function eventMessageId(threadId: string, sequenceNr: number): string {
  return `${threadId}:${sequenceNr}`;
}
