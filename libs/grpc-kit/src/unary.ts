import { status, type handleUnaryCall, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { latencyBucketsSeconds, meterFor, recordActingAccount, secondsSince, type Logger } from '@threadweaver/telemetry';
import { toGrpcStatus, toServiceError } from './status.js';

/** A unary handler written as an async function: return the response or throw. */
export type AsyncUnaryHandler<Req, Res> = (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>;

// Command and query latency and outcome: one series per method and status.
const callDuration = meterFor('grpc-kit').createHistogram('threadweaver.rpc.server.duration', {
  description: 'Time from a unary call reaching its handler to the reply, by method and gRPC status',
  unit: 's',
  advice: { explicitBucketBoundaries: [...latencyBucketsSeconds] },
});

/**
 * Adapts an async handler to grpc-js: every call gets exactly one reply,
 * the response or the status {@link toGrpcStatus} maps the thrown error to.
 * A synchronous throw is caught too; nothing is swallowed. The request's
 * `account_id` (verified against the token by `authenticateCalls`)
 * goes on the span and on the log lines of a failure.
 */
export function unaryHandler<Req, Res>(logger: Logger, method: string, handle: AsyncUnaryHandler<Req, Res>): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    let replied = false;
    const startedAt = performance.now();
    const accountId = accountIdOf(call.request);
    if (accountId !== undefined) recordActingAccount(accountId);
    const reply = (send: () => void, code: status): void => {
      if (replied) {
        logger.error({ method }, 'second reply to one call suppressed');
        return;
      }
      replied = true;
      callDuration.record(secondsSince(startedAt), { 'rpc.method': method, 'rpc.grpc.status_code': status[code] });
      send();
    };
    Promise.resolve()
      .then(() => handle(call.request, call))
      .then(
        (response) => reply(() => callback(null, response), status.OK),
        (err: unknown) => {
          const mapped = toGrpcStatus(err, logger, { method, accountId });
          // Nobody receives this reply; the log says the work was cut short on purpose.
          if (mapped.code === status.CANCELLED) logger.debug({ method, accountId, durationMs: Math.round(performance.now() - startedAt) }, 'call cancelled by the client');
          reply(() => callback(toServiceError(mapped)), mapped.code);
        },
      )
      .catch((err: unknown) => logger.error({ method, accountId, err }, 'sending a reply failed'));
  };
}

/** The `account_id` of a request, when it has one. */
function accountIdOf(request: unknown): string | undefined {
  const value = typeof request === 'object' && request !== null ? (request as { accountId?: unknown }).accountId : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
