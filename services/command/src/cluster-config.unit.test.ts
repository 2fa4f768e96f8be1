import { describe, expect, it } from '@jest/globals';
import { joinHostPort, loadClusterConfig } from './cluster-config.js';

const key = 'k'.repeat(32);
const load = (env: Record<string, string>, host = '10.0.0.5', port = 50051) => loadClusterConfig(env, host, port);

describe('loadClusterConfig', () => {
  it('defaults to a static membership of this process alone', () => {
    expect(load({})).toEqual({ membership: { kind: 'static', members: undefined }, selfHost: '10.0.0.5', forwardDeadlineMs: 10_000, leaveTimeoutMs: 5_000, forwardingKey: undefined });
  });

  it('reads STATIC_MEMBERS and requires this process among them', () => {
    expect(load({ STATIC_MEMBERS: '10.0.0.5:50051, 10.0.0.6:50051' }).membership).toEqual({ kind: 'static', members: ['10.0.0.5:50051', '10.0.0.6:50051'] });
    expect(() => load({ STATIC_MEMBERS: '10.0.0.6:50051' })).toThrow(/^STATIC_MEMBERS: must list this process/);
    expect(() => load({ STATIC_MEMBERS: '10.0.0.5' })).toThrow(/^STATIC_MEMBERS: must be comma-separated host:port/);
    expect(() => load({ STATIC_MEMBERS: '10.0.0.5:70000' })).toThrow(/^STATIC_MEMBERS/);
  });

  it('reads the Kubernetes variables with their defaults', () => {
    expect(load({ MEMBERSHIP: 'kubernetes', POD_IP: '10.1.2.3', FORWARDING_KEY: key })).toMatchObject({
      membership: { kind: 'kubernetes', source: 'in-cluster', namespace: 'default', labelSelector: 'app.kubernetes.io/name=command', portName: 'grpc' },
      selfHost: '10.1.2.3',
      forwardingKey: key,
    });
    const env = { FORWARDING_KEY: key, MEMBERSHIP: 'kubernetes', POD_IP: 'fd00::1', POD_NAMESPACE: 'chat', POD_LABEL_SELECTOR: 'app=cmd', GRPC_PORT_NAME: 'rpc', KUBERNETES_API_URL: 'http://127.0.0.1:6443' };
    expect(load(env).membership).toEqual({ kind: 'kubernetes', source: { server: 'http://127.0.0.1:6443' }, namespace: 'chat', labelSelector: 'app=cmd', portName: 'rpc' });
    expect(load({ ...env, KUBERNETES_API_URL: 'kubeconfig' }).membership).toMatchObject({ source: 'kubeconfig' });
  });

  it('names the bad variable', () => {
    expect(() => load({ MEMBERSHIP: 'etcd' })).toThrow(/^MEMBERSHIP: must be static or kubernetes/);
    expect(() => load({ MEMBERSHIP: 'kubernetes' })).toThrow(/^POD_IP: is required/);
    expect(() => load({ MEMBERSHIP: 'kubernetes', POD_IP: 'pod-a' })).toThrow(/^POD_IP: must be an IPv4 or IPv6 address/);
    expect(() => load({ MEMBERSHIP: 'kubernetes', POD_IP: '10.1.2.3', KUBERNETES_API_URL: 'ftp://x' })).toThrow(/^KUBERNETES_API_URL/);
    expect(() => load({ FORWARD_DEADLINE_MS: 'soon' })).toThrow(/^FORWARD_DEADLINE_MS/);
    expect(() => load({ LEAVE_TIMEOUT_MS: '-1' })).toThrow(/^LEAVE_TIMEOUT_MS/);
    expect(() => load({ MEMBERSHIP: 'kubernetes', POD_IP: '10.1.2.3' })).toThrow(/^FORWARDING_KEY: is required/);
    expect(() => load({ FORWARDING_KEY: 'short' })).toThrow(/^FORWARDING_KEY: must be at least 32 characters/);
  });

  it('brackets IPv6 self addresses as membership does', () => {
    expect(joinHostPort('fd00::1', 50051)).toBe('[fd00::1]:50051');
    expect(joinHostPort('10.1.2.3', 50051)).toBe('10.1.2.3:50051');
  });
});
