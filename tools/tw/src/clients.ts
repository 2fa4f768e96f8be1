import { credentials, InterceptingCall, type ClientReadableStream, type Interceptor } from '@grpc/grpc-js';
import { promiseClient, type PromiseClient } from '@threadweaver/grpc-kit/client';
import {
  ThreadCommandServiceClient,
  ThreadCommandServiceService,
  ThreadQueryServiceClient,
  ThreadQueryServiceService,
  type WatchThreadRequest,
  type WatchThreadResponse,
} from '@threadweaver/proto';
import { fetchDevToken, isTokenFetchError } from './dev-token.js';
import type { Settings } from './settings.js';

/** The gRPC clients one `tw` command uses. */
export interface TwClients {
  readonly commands: PromiseClient<ThreadCommandServiceClient>;
  readonly queries: PromiseClient<ThreadQueryServiceClient>;
  /** Opens a WatchThread stream (no deadline: it follows the thread until cancelled). */
  watchThread(request: WatchThreadRequest): ClientReadableStream<WatchThreadResponse>;
  close(): void;
}

/**
 * Adds `authorization: Bearer <token>` to every call's metadata, the form the
 * services' authentication (SPEC §1) reads.
 */
export function bearerInterceptor(token: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

/** Plaintext clients of both services; with a token, every call carries it. */
export function openClients(settings: Settings, token: string | undefined): TwClients {
  const options = { interceptors: token === undefined ? [] : [bearerInterceptor(token)] };
  const rawCommands = new ThreadCommandServiceClient(settings.commandAddress, credentials.createInsecure(), options);
  const rawQueries = new ThreadQueryServiceClient(settings.queryAddress, credentials.createInsecure(), options);
  const defaults = { deadlineMs: settings.deadlineMs };
  return {
    commands: promiseClient(rawCommands, ThreadCommandServiceService, defaults),
    queries: promiseClient(rawQueries, ThreadQueryServiceService, defaults),
    watchThread: (request) => rawQueries.watchThread(request),
    close() {
      rawCommands.close();
      rawQueries.close();
    },
  };
}

/**
 * The token to send: the one given (`--token`, `TW_TOKEN`), else, when an
 * account is known, one from the development issuer. An issuer that is not
 * running is no error (the call goes without a token, and a server that
 * requires one says UNAUTHENTICATED); an issuer that refuses is.
 */
export async function resolveToken(settings: Settings): Promise<string | undefined> {
  if (settings.token !== undefined || settings.accountId === undefined) return settings.token;
  try {
    return (await fetchDevToken(settings.issuerUrl, settings.accountId, 2000)).access_token;
  } catch (err) {
    if (isTokenFetchError(err) && err.unreachable) return undefined;
    throw err;
  }
}
