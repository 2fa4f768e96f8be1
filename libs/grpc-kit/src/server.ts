import { Server, ServerCredentials, type ChannelOptions, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import type { Authenticator } from '@threadweaver/auth';
import { descriptorSetPath } from '@threadweaver/proto';
import type { Logger } from '@threadweaver/telemetry';
import { HealthImplementation } from 'grpc-health-check';
import { authenticateCalls } from './authentication.js';
import { loadContracts, serviceNameOf } from './contracts.js';
import { hardenDeserializers, rejectUndecodable } from './request-guard.js';
import { serverLimitOptions, type GrpcServerLimits } from './server-limits.js';

/** One gRPC service to serve. */
export interface GrpcServiceRegistration {
  /** The generated `...Service` definition (ts-proto `outputServices=grpc-js`). */
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

/** Options for {@link startGrpcServer}. */
export interface GrpcServerOptions {
  /** Interface to bind. @default '0.0.0.0' */
  host?: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  services: readonly GrpcServiceRegistration[];
  /**
   * Checks the bearer token of every call to `services` (health and
   * reflection stay open) and the request's `account_id` against it.
   * Required whenever `services` is not empty (start throws otherwise): a
   * server never serves an API without deciding how callers prove who they
   * are. A health-only server (the projector's) needs none.
   */
  authenticator?: Authenticator;
  logger: Logger;
  /** FileDescriptorSets describing `services`, for reflection and request checks. @default [descriptorSetPath of @threadweaver/proto] */
  descriptorSetPaths?: readonly string[];
  /** Largest request accepted; bigger ones get RESOURCE_EXHAUSTED. @default 4 MiB */
  maxReceiveMessageBytes?: number;
  /** Streams per connection, connection age and keepalive. @default grpcServerLimitsDefaults */
  limits?: Partial<GrpcServerLimits>;
  /** Extra grpc-js server options (they win over `limits`). @default {} */
  channelOptions?: ChannelOptions;
}

/** A started server. */
export interface RunningGrpcServer {
  /** The bound port (the real one when asked for 0). */
  readonly port: number;
  /** `host:port` as bound. */
  readonly address: string;
  /** Sets the health status of the server and every registered service. */
  setServing(serving: boolean): void;
  /**
   * NOT_SERVING first, then stops accepting calls and waits up to `graceMs`
   * for in-flight calls to finish, then cancels what is left.
   */
  shutdown(graceMs: number): Promise<void>;
}

const defaults = { host: '0.0.0.0', maxReceiveMessageBytes: 4 * 1024 * 1024 } as const;

/**
 * Starts a grpc-js server with the standard health service and server
 * reflection (so grpcurl can list and call it), authentication of every
 * other call (see {@link authenticateCalls}), and request checks that
 * answer undecodable requests INVALID_ARGUMENT naming the field.
 * Health starts SERVING; the caller flips it with `setServing`.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const host = options.host ?? defaults.host;
  const { logger } = options;
  const { authenticator } = options;
  if (authenticator === undefined && options.services.length > 0) throw new Error('startGrpcServer: services need an authenticator (createAuthenticator from @threadweaver/auth)');
  const contracts = loadContracts(options.descriptorSetPaths ?? [descriptorSetPath]);
  const server = new Server({
    ...serverLimitOptions(options.limits),
    ...options.channelOptions,
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? defaults.maxReceiveMessageBytes,
    // The first interceptor sees a call first: credentials before anything of the request is looked at.
    interceptors: authenticator === undefined ? [rejectUndecodable] : [authenticateCalls(authenticator, contracts, logger), rejectUndecodable],
  });
  const serviceNames: string[] = [];
  for (const { definition, implementation } of options.services) {
    server.addService(hardenDeserializers(definition, contracts), implementation);
    const firstMethod = Object.values(definition)[0];
    if (firstMethod !== undefined) serviceNames.push(serviceNameOf(firstMethod.path));
  }
  const health = new HealthImplementation({ '': 'SERVING', ...Object.fromEntries(serviceNames.map((name) => [name, 'SERVING'])) });
  health.addToServer(server);
  new ReflectionService(contracts.packageDefinition, { services: [...serviceNames, 'grpc.health.v1.Health'] }).addToServer(server);

  const bindHost = host.includes(':') ? `[${host}]` : host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${bindHost}:${options.port}`, ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  const setServing = (serving: boolean): void => {
    const value = serving ? 'SERVING' : 'NOT_SERVING';
    for (const name of ['', ...serviceNames]) health.setStatus(name, value);
  };
  let stopping: Promise<void> | undefined;
  const shutdown = (graceMs: number): Promise<void> => {
    stopping ??= stop(server, graceMs, setServing, logger);
    return stopping;
  };
  return { port, address: `${bindHost}:${port}`, setServing, shutdown };
}

async function stop(server: Server, graceMs: number, setServing: (serving: boolean) => void, logger: Logger): Promise<void> {
  setServing(false);
  let timer: NodeJS.Timeout | undefined;
  const graceful = new Promise<boolean>((resolve) => server.tryShutdown(() => resolve(true)));
  const deadline = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
  const drained = await Promise.race([graceful, deadline]);
  clearTimeout(timer);
  if (!drained) {
    logger.warn({ graceMs }, 'calls still running after the grace period; cancelling them');
    server.forceShutdown();
  }
}
