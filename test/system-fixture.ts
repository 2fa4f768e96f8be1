// gRPC clients over a whole system started by startSystem, for tests that
// exercise command -> journal -> NATS -> projector -> read model -> query.
import { credentials } from '@grpc/grpc-js';
import {
  ThreadCommandServiceClient,
  ThreadCommandServiceService,
  ThreadQueryServiceClient,
  ThreadQueryServiceService,
} from '@threadweaver/proto';
import { authenticatedClientOptions, promiseClient, startSystem, type PromiseClient, type SystemOptions, type TestSystem } from '@threadweaver/testing';
import { monotonicFactory } from 'ulid';

export const newId = monotonicFactory();

export interface GrpcSystem {
  readonly system: TestSystem;
  readonly commands: PromiseClient<ThreadCommandServiceClient>;
  readonly queries: PromiseClient<ThreadQueryServiceClient>;
  /** The raw query client, for server-streaming calls. */
  readonly rawQueries: ThreadQueryServiceClient;
  stop(): Promise<void>;
}

export async function startGrpcSystem(options: SystemOptions = {}): Promise<GrpcSystem> {
  const system = await startSystem({ services: ['command', 'projector', 'query'], ...options });
  const rawCommands = new ThreadCommandServiceClient(system.services.command!.address, credentials.createInsecure());
  const rawQueries = new ThreadQueryServiceClient(system.services.query!.address, credentials.createInsecure(), authenticatedClientOptions());
  return {
    system,
    commands: promiseClient(rawCommands, ThreadCommandServiceService),
    queries: promiseClient(rawQueries, ThreadQueryServiceService),
    rawQueries,
    async stop() {
      rawCommands.close();
      rawQueries.close();
      await system.stop();
    },
  };
}
