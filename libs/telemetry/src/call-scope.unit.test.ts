import { describe, expect, it } from '@jest/globals';
import { callFields, CallScope } from './call-scope.js';
import { recordActingAccount } from './tracing.js';

const alice = '01HZZZZZZZZZZZZZZZZZZZZZA1';

describe('CallScope', () => {
  it("names the call's account on lines written in it, and in work it queued, until the call ends", async () => {
    const scope = new CallScope();
    const before = scope.run(() => callFields());
    let queued!: Promise<ReturnType<typeof callFields>>;
    let outliving!: Promise<ReturnType<typeof callFields>>;
    let release!: () => void;
    const callEnded = new Promise<void>((resolve) => (release = resolve));
    const during = await scope.run(async () => {
      recordActingAccount(alice);
      queued = Promise.resolve().then(() => callFields());
      // Background work the call starts, which runs on after the call has been answered.
      outliving = callEnded.then(() => new Promise((resolve) => setImmediate(() => resolve(callFields()))));
      await new Promise((resolve) => setImmediate(resolve));
      return callFields();
    });
    scope.end();
    release();
    expect({ before, during, queued: await queued, outside: callFields(), afterTheCall: await outliving }).toEqual({
      before: {},
      during: { accountId: alice },
      queued: { accountId: alice },
      outside: {},
      afterTheCall: {},
    });
    scope.accountId = alice;
    expect(scope.run(() => callFields())).toEqual({});
  });
});
