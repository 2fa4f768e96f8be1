/**
 * KubernetesMembership through the real @kubernetes/client-node over HTTP,
 * against FakeKubernetesApi (libs/testing), which speaks the Kubernetes
 * API's wire format because no API server can run here.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { FakeKubernetesApi, waitFor } from '@threadweaver/testing';
import { KubernetesMembership } from './kubernetes-membership.js';
import type { MembershipView } from './membership.js';

const app = { 'app.kubernetes.io/name': 'command' };
const ids = (view: MembershipView): string[] => view.members.map((m) => m.id);

describe('KubernetesMembership against a fake Kubernetes API server', () => {
  let api: FakeKubernetesApi;
  let membership: KubernetesMembership;

  beforeEach(async () => {
    api = await FakeKubernetesApi.start();
    membership = new KubernetesMembership({
      source: { server: api.url },
      namespace: 'chat',
      labelSelector: 'app.kubernetes.io/name=command',
      backoff: { initialDelayMs: 20, maxDelayMs: 200 },
    });
  });

  afterEach(async () => {
    await membership.stop();
    await api.close();
  });

  const seen = (expected: string[], description: string) =>
    waitFor(() => JSON.stringify(ids(membership.current())) === JSON.stringify(expected), { timeoutMs: 5_000, description });

  it('sees only Ready pods with an IP and the named port, matching the selector, in its namespace', async () => {
    api.addPod({ name: 'command-a', namespace: 'chat', ip: '10.0.0.1', ready: true, labels: app, ports: [{ name: 'grpc', containerPort: 50051 }] });
    api.addPod({ name: 'command-b', namespace: 'chat', ip: '10.0.0.2', ready: false, labels: app });
    api.addPod({ name: 'command-c', namespace: 'chat', ready: true, labels: app });
    api.addPod({ name: 'query-a', namespace: 'chat', ip: '10.0.0.4', ready: true, labels: { 'app.kubernetes.io/name': 'query' } });
    api.addPod({ name: 'command-e', namespace: 'other', ip: '10.0.0.5', ready: true, labels: app });
    api.addPod({ name: 'command-f', namespace: 'chat', ip: '10.0.0.6', ready: true, labels: app, ports: [{ name: 'http', containerPort: 8080 }] });

    expect(membership.current()).toEqual({ version: 0, members: [] });
    await membership.start();

    expect(membership.current()).toEqual({ version: 1, members: [{ id: 'command-a', address: '10.0.0.1:50051' }] });
  });

  it('follows add, ready, not ready, terminating and delete, bumping the version only on a change', async () => {
    await membership.start();
    expect(membership.current().version).toBe(0); // an empty list is no change
    const changes: [number, number][] = [];
    membership.subscribe((next, previous) => changes.push([previous.version, next.version]));
    await waitFor(() => api.stats.openWatches === 1, { description: 'the watch to open' });

    api.addPod({ name: 'command-a', namespace: 'chat', ip: '10.0.0.1', ready: true, labels: app });
    await seen(['command-a'], 'command-a to join');
    api.addPod({ name: 'command-b', namespace: 'chat', ip: '10.0.0.2', ready: false, labels: app });
    api.setReady('command-b', true, 'chat');
    await seen(['command-a', 'command-b'], 'command-b to become ready');
    api.setReady('command-a', false, 'chat');
    await seen(['command-b'], 'command-a to become not ready');
    api.setReady('command-a', true, 'chat');
    await seen(['command-a', 'command-b'], 'command-a to be ready again');
    api.terminatePod('command-b', 'chat');
    await seen(['command-a'], 'terminating command-b to leave');
    api.deletePod('command-b', 'chat');
    api.addPod({ name: 'query-a', namespace: 'chat', ip: '10.0.0.9', ready: true, labels: { 'app.kubernetes.io/name': 'query' } });
    api.deletePod('command-a', 'chat');
    await seen([], 'command-a to be deleted');

    // Each change bumped the version by one; the unchanged ones (not-ready add,
    // deletion of a pod already out, a pod of another app) bumped nothing.
    expect(changes).toEqual([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6]]);
    expect(membership.current().version).toBe(6);
  });

  it('re-lists and watches again after a 410 Gone', async () => {
    await membership.start();
    await waitFor(() => api.stats.openWatches === 1, { description: 'the watch to open' });
    const lists = api.stats.lists;

    api.expireWatches();
    api.addPod({ name: 'command-a', namespace: 'chat', ip: '10.0.0.1', ready: true, labels: app });
    await seen(['command-a'], 'command-a to be seen after the 410');
    await waitFor(() => api.stats.openWatches === 1, { description: 'a new watch' });
    expect(api.stats.lists).toBeGreaterThan(lists);

    api.setReady('command-a', false, 'chat');
    await seen([], 'the new watch to deliver changes');
  });

  it('re-lists after the server closes the watch', async () => {
    await membership.start();
    await waitFor(() => api.stats.openWatches === 1, { description: 'the watch to open' });
    const watches = api.stats.watches;

    api.closeWatches();
    await waitFor(() => api.stats.watches > watches && api.stats.openWatches === 1, { description: 'a new watch' });
    api.addPod({ name: 'command-a', namespace: 'chat', ip: '10.0.0.1', ready: true, labels: app });
    await seen(['command-a'], 'command-a through the new watch');
  });

  it('recovers from dropped connections and failing requests, with backoff', async () => {
    api.addPod({ name: 'command-a', namespace: 'chat', ip: '10.0.0.1', ready: true, labels: app });
    await membership.start();
    await waitFor(() => api.stats.openWatches === 1, { description: 'the watch to open' });

    api.failNextRequests(3, 503);
    api.dropConnections();
    api.addPod({ name: 'command-b', namespace: 'chat', ip: '10.0.0.2', ready: true, labels: app });
    await seen(['command-a', 'command-b'], 'command-b after reconnecting');
    await waitFor(() => api.stats.openWatches === 1, { description: 'a new watch' });
  });

  it('start() waits for the API server, and stop() closes the watch and silences listeners', async () => {
    api.failNextRequests(2, 500);
    api.addPod({ name: 'command-a', namespace: 'chat', ip: '10.0.0.1', ready: true, labels: app });
    await membership.start();
    expect(ids(membership.current())).toEqual(['command-a']);
    await waitFor(() => api.stats.openWatches === 1, { description: 'the watch to open' });

    let calls = 0;
    membership.subscribe(() => (calls += 1));
    await membership.stop();
    await waitFor(() => api.stats.openWatches === 0, { description: 'the watch to close' });
    api.deletePod('command-a', 'chat');
    expect(calls).toBe(0);
    expect(ids(membership.current())).toEqual(['command-a']);
  });
});
