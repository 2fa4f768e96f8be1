import {
  Metadata,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type ServerInterceptor,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { requestDescriptor, type Contracts } from './contracts.js';
import { findWireProblem } from './wire-check.js';

/** What a hardened deserializer yields instead of throwing. */
class UndecodableRequest {
  constructor(readonly problem: string) {}
}

/**
 * Replaces each method's request deserializer with one that checks the
 * bytes against the contract first and never throws. grpc-js answers a
 * throwing deserializer with INTERNAL "Error deserializing request", and
 * ts-proto's decoders skip wrong-wire-type fields silently; both hide a
 * client's mistake. The problem travels as a value to {@link rejectUndecodable}.
 */
export function hardenDeserializers(definition: ServiceDefinition, contracts: Contracts): ServiceDefinition {
  const hardened: Record<string, ServiceDefinition[string]> = {};
  for (const [name, method] of Object.entries(definition)) {
    const desc = requestDescriptor(contracts, method.path);
    const decode = method.requestDeserialize;
    hardened[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        const problem = desc === undefined ? undefined : findWireProblem(desc, bytes);
        if (problem !== undefined) return new UndecodableRequest(problem);
        try {
          return decode(bytes);
        } catch (err) {
          return new UndecodableRequest(`request is not a valid protobuf message (${err instanceof Error ? err.message : String(err)})`);
        }
      },
    };
  }
  return hardened;
}

/**
 * Server interceptor answering INVALID_ARGUMENT (naming the field) for a
 * request a hardened deserializer could not decode, before any handler
 * sees it; the call's half-close is swallowed so the handler never runs.
 */
export const rejectUndecodable: ServerInterceptor = (_method, call) => {
  let rejected = false;
  return new ServerInterceptingCall(call, {
    start: (next) => {
      next(
        new ServerListenerBuilder()
          .withOnReceiveMessage((message, nextMessage) => {
            if (!(message instanceof UndecodableRequest)) return nextMessage(message);
            rejected = true;
            call.sendStatus({ code: status.INVALID_ARGUMENT, details: message.problem, metadata: new Metadata() });
          })
          .withOnReceiveHalfClose((nextHalfClose) => {
            if (!rejected) nextHalfClose();
          })
          .build(),
      );
    },
  });
};
