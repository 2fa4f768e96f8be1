import { credentials, makeGenericClientConstructor, Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

/** What the standard health service says about `service` ('' = the whole server). */
export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

const HealthClient = makeGenericClientConstructor(healthService, 'grpc.health.v1.Health');

// A generic client's methods are typed only as Function; this is Check's real shape.
type CheckMethod = (
  request: { service: string },
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (err: ServiceError | null, res: { status: HealthStatus }) => void,
) => ClientUnaryCall;

/** One `grpc.health.v1.Health/Check` call, as a kubelet gRPC probe makes it. */
export async function checkHealth(address: string, service = '', deadlineMs = 5_000): Promise<HealthStatus> {
  const client = new HealthClient(address, credentials.createInsecure());
  try {
    return await new Promise<HealthStatus>((resolve, reject) => {
      const check = client['Check'] as CheckMethod;
      check.call(client, { service }, new Metadata(), { deadline: new Date(Date.now() + deadlineMs) }, (err, res) => (err ? reject(err) : resolve(res.status)));
    });
  } finally {
    client.close();
  }
}
