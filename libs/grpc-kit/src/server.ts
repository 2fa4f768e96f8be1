import { Server, ServerCredentials, type ChannelOptions, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { descriptorSetPath } from '@threadweaver/proto';
import type { Logger } from '@threadweaver/telemetry';
import { HealthImplementation } from 'grpc-health-check';
import { loadContracts, serviceNameOf } from './contracts.js';
import { hardenDeserializers, rejectUndecodable } from './request-guard.js';

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
  logger: Logger;
  /** FileDescriptorSets describing `services`, for reflection and request checks. @default [descriptorSetPath of @threadweaver/proto] */
  descriptorSetPaths?: readonly string[];
  /** Largest request accepted; bigger ones get RESOURCE_EXHAUSTED. @default 4 MiB */
  maxReceiveMessageBytes?: number;
  /** Extra grpc-js server options. @default {} */
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
 * reflection (so grpcurl can list and call it), and with request checks
 * that answer undecodable requests INVALID_ARGUMENT naming the field.
 * Health starts SERVING; the caller flips it with `setServing`.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const host = options.host ?? defaults.host;
  const { logger } = options;
  const contracts = loadContracts(options.descriptorSetPaths ?? [descriptorSetPath]);
  const server = new Server({
    ...options.channelOptions,
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? defaults.maxReceiveMessageBytes,
    interceptors: [rejectUndecodable],
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
