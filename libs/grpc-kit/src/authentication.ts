import { Metadata, ServerInterceptingCall, ServerListenerBuilder, type ServerInterceptor } from '@grpc/grpc-js';
import { actingAccount, type Authenticator, type Identity } from '@threadweaver/auth';
import { CallScope, type Logger } from '@threadweaver/telemetry';
import { requestDescriptor, serviceNameOf, type Contracts } from './contracts.js';
import { toGrpcStatus } from './status.js';

/** Services anyone may call: probes and grpcurl's listing. Everything else needs a token. */
const openServices = new Set(['grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection']);

/** The one metadata key credentials travel in (grpc-gateway forwards `Authorization` as it). */
export const authorizationKey = 'authorization';

/** A request message that carries the acting account. */
interface WithAccount {
  accountId: string;
}

/**
 * Server interceptor that authenticates every call of every service but
 * health and reflection, unary and streaming alike, before a handler
 * runs: THE place calls are authenticated. The `authorization` metadata is
 * verified once the call's headers arrive (nothing of the call reaches the
 * handler meanwhile); a failure answers UNAUTHENTICATED (or UNAVAILABLE
 * when the issuer's keys cannot be had). Then each request's `account_id`
 * is checked against the token: empty is filled with the token's account,
 * another account is PERMISSION_DENIED. So `request.accountId` in a
 * handler is always the verified account. The handler runs in the call's
 * {@link CallScope}, holding that account, so every log line written while
 * serving the call names it.
 */
export function authenticateCalls(authenticator: Authenticator, contracts: Contracts, logger: Logger): ServerInterceptor {
  const carriesAccount = new Map<string, boolean>();
  const hasAccountField = (path: string): boolean => {
    let known = carriesAccount.get(path);
    if (known === undefined) {
      known = requestDescriptor(contracts, path)?.fields.some((f) => f.name === 'account_id') ?? false;
      carriesAccount.set(path, known);
    }
    return known;
  };
  return (methodDescriptor, call) => {
    if (openServices.has(serviceNameOf(methodDescriptor.path))) return new ServerInterceptingCall(call);
    const method = methodDescriptor.path;
    const scope = new CallScope();
    let identity: Promise<Identity | undefined> = Promise.resolve(undefined);
    let answered = false;
    const refuse = (err: unknown, stage: string): void => {
      if (answered) return;
      answered = true;
      const { code, details } = toGrpcStatus(err, logger, { method, stage });
      logger.debug({ method, code, reason: details }, 'call refused by authentication');
      call.sendStatus({ code, details, metadata: new Metadata() });
    };
    return new ServerInterceptingCall(call, {
      // Once the status is sent the call is over: background work it started stops naming its account.
      sendStatus: (status, next) => {
        next(status);
        scope.end();
      },
      start: (next) => {
        next(
          new ServerListenerBuilder()
            .withOnReceiveMetadata((metadata, nextMetadata) => {
              const value = metadata.get(authorizationKey)[0];
              identity = authenticator.authenticate(typeof value === 'string' ? value : undefined).then(
                (verified) => {
                  scope.accountId = verified.accountId;
                  nextMetadata(metadata);
                  return verified;
                },
                (err: unknown) => {
                  scope.run(() => refuse(err, 'token'));
                  return undefined;
                },
              );
            })
            .withOnReceiveMessage((message, nextMessage) => {
              // grpc-js may invoke the handler from either nextMessage or nextHalfClose: both run in the call's scope.
              void identity.then((verified) =>
                scope.run(() => {
                  if (verified === undefined || answered) return;
                  if (!hasAccountField(method) || !isWithAccount(message)) return nextMessage(message);
                  try {
                    message.accountId = actingAccount(verified, message.accountId);
                  } catch (err) {
                    refuse(err, 'account_id');
                    return;
                  }
                  if (message.accountId !== '') scope.accountId = message.accountId;
                  nextMessage(message);
                }),
              );
            })
            .withOnReceiveHalfClose((nextHalfClose) => {
              void identity.then(() =>
                scope.run(() => {
                  if (!answered) nextHalfClose();
                }),
              );
            })
            .build(),
        );
      },
    });
  };
}

function isWithAccount(message: unknown): message is WithAccount {
  return typeof message === 'object' && message !== null && typeof (message as Partial<WithAccount>).accountId === 'string';
}
