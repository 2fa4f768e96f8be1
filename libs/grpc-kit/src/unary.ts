import type { handleUnaryCall, sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from '@threadweaver/telemetry';
import { toGrpcStatus, toServiceError } from './status.js';

/** A unary handler written as an async function: return the response or throw. */
export type AsyncUnaryHandler<Req, Res> = (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>;

/**
 * Adapts an async handler to grpc-js: every call gets exactly one reply,
 * the response or the status {@link toGrpcStatus} maps the thrown error to.
 * A synchronous throw is caught too; nothing is swallowed.
 */
export function unaryHandler<Req, Res>(logger: Logger, method: string, handle: AsyncUnaryHandler<Req, Res>): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    let replied = false;
    const reply = (send: () => void): void => {
      if (replied) {
        logger.error({ method }, 'second reply to one call suppressed');
        return;
      }
      replied = true;
      send();
    };
    Promise.resolve()
      .then(() => handle(call.request, call))
      .then(
        (response) => reply(() => callback(null, response)),
        (err: unknown) => reply(() => callback(toServiceError(toGrpcStatus(err, logger, { method })))),
      )
      .catch((err: unknown) => logger.error({ method, err }, 'sending a reply failed'));
  };
}
