import { monotonicFactory } from 'ulid';

/** Server-assigned identifiers. */
export interface IdGenerator {
  /** A fresh ULID; monotonic within this process, so message ids sort in posting order. */
  next(): string;
}

export function createIdGenerator(): IdGenerator {
  const factory = monotonicFactory();
  return { next: () => factory() };
}
