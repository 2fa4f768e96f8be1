import { credentials, makeGenericClientConstructor, Metadata, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

/** What the standard health service says about `service` ('' = the whole server). */
export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

const HealthClient = makeGenericClientConstructor(healthService, 'grpc.health.v1.Health');

/** One `grpc.health.v1.Health/Check` call, as a kubelet gRPC probe makes it. */
export async function checkHealth(address: string, service = '', deadlineMs = 5_000): Promise<HealthStatus> {
  const client = new HealthClient(address, credentials.createInsecure());
  try {
    return await new Promise<HealthStatus>((resolve, reject) => {
      const check = (client as unknown as Record<string, Function>)['Check'] as Function;
      check.call(client, { service }, new Metadata(), { deadline: new Date(Date.now() + deadlineMs) }, (err: ServiceError | null, res: { status: HealthStatus }) =>
        err ? reject(err) : resolve(res.status),
      );
    });
  } finally {
    client.close();
  }
}
