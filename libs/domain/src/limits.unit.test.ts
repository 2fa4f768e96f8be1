import { describe, expect, it } from '@jest/globals';
import { FailedPreconditionError, InvalidArgumentError } from './errors.js';
import { requireWithinMemberCap } from './member-cap.js';
import { requireWithinRetryHorizon, ulidTime } from './request-horizon.js';
import { requireMessagesWithinLimits, utf8Length } from './request-size.js';
import { evolve, initialState } from './index.js';
import { limits } from './limits.js';
import { ulidAt } from './decider-spec.test.js';
import type { ThreadState } from './state.js';

/** A ULID minted at `ms` (now by default). */
function ulid(ms = Date.now()): string {
  return ulidAt(ms);
}

describe('per-call size limits', () => {
  it('counts UTF-8 bytes as the encoder does', () => {
    for (const text of ['', 'abc', 'é', '漢字', '🧵😀', 'a\ud800b', '\udc00']) expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
  });

  it('accepts 256 KiB of text and refuses one byte more, naming the limit', () => {
    const messages = (lastLength: number) => [...Array.from({ length: 63 }, () => ({ text: 'x'.repeat(4_096), toAccountIds: [] })), { text: 'x'.repeat(lastLength), toAccountIds: [] }];
    expect(() => requireMessagesWithinLimits(messages(4_096))).not.toThrow();
    expect(() => requireMessagesWithinLimits(messages(4_097))).toThrow(/^messages: must hold at most 262144 bytes \(256 KiB\)/);
    expect(() => requireMessagesWithinLimits([])).toThrow(InvalidArgumentError);
  });
});

describe('retry horizon', () => {
  it('reads the time of a ULID and refuses ids older than the horizon', () => {
    const now = new Date();
    expect(ulidTime(ulid(now.getTime()))).toBe(now.getTime());
    expect(() => requireWithinRetryHorizon(ulid(now.getTime() - 1_000), now, 1_000)).not.toThrow();
    expect(() => requireWithinRetryHorizon(ulid(now.getTime() - 1_001), now, 1_000)).toThrow(FailedPreconditionError);
    expect(() => requireWithinRetryHorizon(ulid(now.getTime() - 90_000_000), now, 86_400_000)).toThrow(/past the retry horizon of 24 h/);
  });

  it('refuses ids minted more than five minutes ahead of the server clock, naming the field', () => {
    const now = new Date();
    expect(() => requireWithinRetryHorizon(ulid(now.getTime() + limits.requestIdMaxAheadMs), now, 1_000)).not.toThrow();
    expect(() => requireWithinRetryHorizon(ulid(now.getTime() + limits.requestIdMaxAheadMs + 1), now, 1_000)).toThrow(InvalidArgumentError);
    expect(() => requireWithinRetryHorizon(ulid(now.getTime() + 3_600_000), now, 1_000)).toThrow(/^request_id: .* 3600 s ahead of the server's clock \(at most 300 s ahead is accepted\)/);
  });
});

describe('member cap', () => {
  const admin = ulid();
  const created: ThreadState = evolve(initialState(), {
    type: 'ThreadCreated',
    threadId: ulid(),
    sequenceNr: 1,
    occurredAt: new Date(),
    requestId: ulid(),
    accountId: admin,
    creatorId: admin,
    title: 't',
    administratorIds: [admin],
    memberIds: [ulid()],
  });
  const join = (accountIds: string[]) => ({ type: 'JoinMemberIds' as const, requestId: ulid(), accountId: admin, threadId: ulid(), accountIds });

  it('counts only ids not already present, and refuses past the cap', () => {
    const ids = [ulid(), ulid()];
    expect(() => requireWithinMemberCap(created, join(ids), 4)).not.toThrow();
    expect(() => requireWithinMemberCap(created, join([...ids, ulid()]), 4)).toThrow(/limit of 4 per thread/);
    expect(() => requireWithinMemberCap(created, join([admin]), 1)).toThrow(FailedPreconditionError);
  });
});
