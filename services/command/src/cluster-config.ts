import { isIP } from 'node:net';
import type { KubernetesApiSource } from '@threadweaver/cluster';
import { ConfigError, EnvReader, type Env } from '@threadweaver/service-config';

/** Where the live members come from (MEMBERSHIP). */
export type MembershipConfig =
  | {
      readonly kind: 'static';
      /** STATIC_MEMBERS as `host:port`; undefined means this process alone. */
      readonly members: readonly string[] | undefined;
    }
  | {
      readonly kind: 'kubernetes';
      /** KUBERNETES_API_URL: a URL (tests, development), `kubeconfig`, or in-cluster auth when unset. */
      readonly source: KubernetesApiSource;
      readonly namespace: string;
      readonly labelSelector: string;
      readonly portName: string;
    };

/** The cluster part of the command service's environment (docs/DEVELOPING.md). */
export interface ClusterConfig {
  readonly membership: MembershipConfig;
  /**
   * The host part of this process's own address as peers see it: POD_IP
   * under Kubernetes, else GRPC_HOST. The port is the bound gRPC port.
   */
  readonly selfHost: string;
  /** FORWARD_DEADLINE_MS: deadline of a forwarded command whose caller set none. */
  readonly forwardDeadlineMs: number;
  /** LEAVE_TIMEOUT_MS: on SIGTERM, how long to keep serving while waiting to drop out of the view. */
  readonly leaveTimeoutMs: number;
  /**
   * FORWARDING_KEY (from a Secret, the same on every command pod): signs the
   * forwarded marker. Required with MEMBERSHIP=kubernetes; unset with static
   * membership means no other process is trusted as a peer.
   */
  readonly forwardingKey: string | undefined;
}

/**
 * Parses MEMBERSHIP and its variables; throws ConfigError naming the bad
 * one. `grpcHost`/`grpcPort` are the already validated GRPC_HOST/GRPC_PORT.
 */
export function loadClusterConfig(env: Env, grpcHost: string, grpcPort: number): ClusterConfig {
  const read = new EnvReader(env);
  const kind = read.raw('MEMBERSHIP') ?? 'static';
  const forwardDeadlineMs = read.integer('FORWARD_DEADLINE_MS', 10_000, 1, 600_000);
  const leaveTimeoutMs = read.integer('LEAVE_TIMEOUT_MS', 5_000, 0, 600_000);
  if (kind === 'static') {
    const members = staticMembers(read);
    const selfHost = grpcHost;
    if (members !== undefined && grpcPort !== 0 && !members.includes(joinHostPort(selfHost, grpcPort))) {
      throw new ConfigError('STATIC_MEMBERS', `must list this process as GRPC_HOST:GRPC_PORT (${joinHostPort(selfHost, grpcPort)}), got ${JSON.stringify(members.join(','))}`);
    }
    return { membership: { kind, members }, selfHost, forwardDeadlineMs, leaveTimeoutMs, forwardingKey: readForwardingKey(read, false) };
  }
  if (kind !== 'kubernetes') throw new ConfigError('MEMBERSHIP', `must be static or kubernetes, got ${JSON.stringify(kind)}`);
  const podIp = read.raw('POD_IP');
  if (podIp === undefined) throw new ConfigError('POD_IP', 'is required when MEMBERSHIP=kubernetes (set it from status.podIP)');
  if (isIP(podIp) === 0) throw new ConfigError('POD_IP', `must be an IPv4 or IPv6 address, got ${JSON.stringify(podIp)}`);
  const membership: MembershipConfig = {
    kind,
    source: apiSource(read),
    namespace: read.text('POD_NAMESPACE', 'default'),
    labelSelector: read.text('POD_LABEL_SELECTOR', 'app.kubernetes.io/name=command'),
    portName: read.text('GRPC_PORT_NAME', 'grpc'),
  };
  return { membership, selfHost: podIp, forwardDeadlineMs, leaveTimeoutMs, forwardingKey: readForwardingKey(read, true) };
}

/** `host:port`, bracketing IPv6 hosts as Kubernetes membership does. */
export function joinHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

function readForwardingKey(read: EnvReader, required: boolean): string | undefined {
  const key = read.raw('FORWARDING_KEY');
  if (key === undefined) {
    if (required) throw new ConfigError('FORWARDING_KEY', 'is required when MEMBERSHIP=kubernetes (the same secret on every command pod)');
    return undefined;
  }
  // 32 characters of a random secret are at least 128 bits even when they are hex.
  if (key.length < 32) throw new ConfigError('FORWARDING_KEY', `must be at least 32 characters, got ${key.length}`);
  return key;
}

function staticMembers(read: EnvReader): string[] | undefined {
  const value = read.raw('STATIC_MEMBERS');
  if (value === undefined) return undefined;
  const members = value.split(',').map((m) => m.trim()).filter((m) => m !== '');
  for (const member of members) {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(member);
    if (match === null || Number(match[2]) < 1 || Number(match[2]) > 65535) {
      throw new ConfigError('STATIC_MEMBERS', `must be comma-separated host:port entries, got ${JSON.stringify(member)}`);
    }
  }
  if (members.length === 0) throw new ConfigError('STATIC_MEMBERS', 'must name at least one host:port');
  return members;
}

function apiSource(read: EnvReader): KubernetesApiSource {
  const value = read.raw('KUBERNETES_API_URL');
  if (value === undefined) return 'in-cluster';
  if (value === 'kubeconfig') return 'kubeconfig';
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new ConfigError('KUBERNETES_API_URL', `must be an http(s) URL or "kubeconfig", got ${JSON.stringify(value)}`);
  }
  return { server: value };
}
