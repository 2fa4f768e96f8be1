/**
 * Placement following a KubernetesMembership (real client library over
 * HTTP) against FakeKubernetesApi, which speaks the Kubernetes API's wire
 * format because no API server can run here.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { FakeKubernetesApi, waitFor } from '@threadweaver/testing';
import { ulidLikeIds } from '../bench/ulid-like.js';
import { isNoMembersError } from './errors.js';
import { KubernetesMembership } from './kubernetes-membership.js';
import type { MembershipView } from './membership.js';
import { Placement } from './placement.js';

const labels = { 'app.kubernetes.io/name': 'command' };
const threads = ulidLikeIds(2_000);

describe('Placement over a KubernetesMembership', () => {
  let api: FakeKubernetesApi;
  let membership: KubernetesMembership;

  beforeEach(async () => {
    api = await FakeKubernetesApi.start();
    membership = new KubernetesMembership({ source: { server: api.url }, backoff: { initialDelayMs: 20, maxDelayMs: 200 } });
  });

  afterEach(async () => {
    await membership.stop();
    await api.close();
  });

  it('has no owner before any member is known', () => {
    const placement = new Placement({ membership, selfAddress: '10.0.0.1:50051' });
    expect(() => placement.ownerOf(threads[0] ?? '')).toThrow(expect.objectContaining({ name: 'NoMembersError' }));
    let thrown: unknown;
    try {
      placement.ownerOf(threads[0] ?? '');
    } catch (err) {
      thrown = err;
    }
    expect(isNoMembersError(thrown)).toBe(true);
    expect(placement.isLocal(threads[0] ?? '')).toBe(false);
  });

  it('tells listeners (previous, next) after re-placing, so lost threads can be passivated', async () => {
    api.addPod({ name: 'command-0', ip: '10.0.0.1', ready: true, labels });
    await membership.start();
    const placement = new Placement({ membership, selfAddress: '10.0.0.1:50051' });
    expect(threads.every((t) => placement.isLocal(t))).toBe(true);

    const changes: { previous: MembershipView; next: MembershipView; stillLocal: number }[] = [];
    placement.onChange((previous, next) => changes.push({ previous, next, stillLocal: threads.filter((t) => placement.isLocal(t)).length }));

    api.addPod({ name: 'command-1', ip: '10.0.0.2', ready: true, labels });
    await waitFor(() => changes.length === 1, { timeoutMs: 5_000, description: 'the join to reach placement' });
    const [join] = changes;
    expect(join?.previous.members.map((m) => m.id)).toEqual(['command-0']);
    expect(join?.next.members.map((m) => m.id)).toEqual(['command-0', 'command-1']);
    // Inside the listener isLocal already answers for the new view: about half moved away.
    expect(join?.stillLocal).toBeGreaterThan(threads.length * 0.4);
    expect(join?.stillLocal).toBeLessThan(threads.length * 0.6);
    for (const t of threads) expect(placement.ownerOf(t).address).toBe(placement.isLocal(t) ? '10.0.0.1:50051' : '10.0.0.2:50051');

    api.setReady('command-1', false);
    await waitFor(() => changes.length === 2, { timeoutMs: 5_000, description: 'the leave to reach placement' });
    expect(changes[1]?.stillLocal).toBe(threads.length);
    expect(placement.view().version).toBe(changes[1]?.next.version);

    placement.close();
    api.setReady('command-1', true);
    await waitFor(() => membership.current().members.length === 2, { timeoutMs: 5_000, description: 'the membership to change' });
    expect(changes).toHaveLength(2);
  });
});
