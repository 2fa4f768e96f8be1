import { describe, expect, it } from '@jest/globals';
import { decide, evolve, initialState, type ThreadCommand } from './index.js';

const ids = {
  thread: '01JD0000000000000000000001',
  alice: '01JD00000000000000000000A1',
  request: '01JD0000000000000000000R01',
};

describe('CreateThread', () => {
  it('appends ThreadCreated with the caller as creator', () => {
    const command: ThreadCommand = {
      type: 'CreateThread', requestId: ids.request, accountId: ids.alice, threadId: ids.thread,
      title: '  Hello  ', administratorIds: [ids.alice], memberIds: [],
    };
    const decision = decide(initialState(), command, new Date(0));
    expect(decision.kind).toBe('append');
    if (decision.kind !== 'append') return;
    expect(decision.event).toMatchObject({ type: 'ThreadCreated', creatorId: ids.alice, title: 'Hello', sequenceNr: 1 });
    expect(evolve(initialState(), decision.event).sequenceNr).toBe(1);
  });
});
