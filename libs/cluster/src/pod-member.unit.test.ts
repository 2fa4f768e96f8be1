import { describe, expect, it } from '@jest/globals';
import { hostPort, podToMember } from './pod-member.js';
import type { PodShape } from './pod-member.js';

function pod(overrides: { ready?: string; ip?: string | null; deleting?: boolean; portName?: string } = {}): PodShape {
  const { ready = 'True', ip = '10.1.2.3', deleting = false, portName = 'grpc' } = overrides;
  return {
    metadata: { name: 'command-0', ...(deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}) },
    spec: { containers: [{ ports: [{ name: 'metrics', containerPort: 9464 }] }, { ports: [{ name: portName, containerPort: 50051 }] }] },
    status: { ...(ip ? { podIP: ip } : {}), conditions: [{ type: 'ContainersReady', status: 'True' }, { type: 'Ready', status: ready }] },
  };
}

describe('podToMember', () => {
  it('makes a ready pod with an IP a member at its named port', () => {
    expect(podToMember(pod(), 'grpc')).toEqual({ id: 'command-0', address: '10.1.2.3:50051' });
  });

  it.each([
    ['not ready', pod({ ready: 'False' })],
    ['readiness unknown', pod({ ready: 'Unknown' })],
    ['without an IP', pod({ ip: null })],
    ['terminating', pod({ deleting: true })],
    ['without the named port', pod({ portName: 'http' })],
    ['without status', { metadata: { name: 'x' } }],
  ])('leaves out a pod %s', (_, shape) => {
    expect(podToMember(shape, 'grpc')).toBeUndefined();
  });

  it('brackets IPv6 hosts', () => {
    expect(hostPort('fd00::1', 50051)).toBe('[fd00::1]:50051');
    expect(podToMember(pod({ ip: 'fd00::1' }), 'grpc')?.address).toBe('[fd00::1]:50051');
  });
});
