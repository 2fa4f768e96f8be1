import { credentials } from '@grpc/grpc-js';
import { ThreadCommandServiceClient, ThreadCommandServiceService } from '@threadweaver/proto';
import { promiseClient, type PromiseCallOptions } from '@threadweaver/testing';
import { ulid } from 'ulid';

/** Messages each worker posts to its thread before it creates the next. */
export const messagesPerThread = 20;

/** One step function per worker, and how to close their channels. */
export interface SpreadLoad {
  readonly workers: (() => Promise<void>)[];
  close(): void;
}

/**
 * The spread-thread load of the command benches: each worker, an account
 * of its own, creates a thread, posts `messagesPerThread` messages to it,
 * one per command, and starts over. Every command is one journal write on
 * a thread no other worker touches, so nothing batches: the per-command
 * cost of the command path. `callOptions`: of every call (e.g. a deadline).
 */
export function spreadThreadWorkers(address: string, count: number, callOptions: PromiseCallOptions = {}): SpreadLoad {
  const raws: ThreadCommandServiceClient[] = [];
  const workers = Array.from({ length: count }, () => {
    const raw = new ThreadCommandServiceClient(address, credentials.createInsecure());
    raws.push(raw);
    const client = promiseClient(raw, ThreadCommandServiceService, callOptions);
    const account = ulid();
    let threadId = '';
    let posted = messagesPerThread;
    return async (): Promise<void> => {
      if (posted === messagesPerThread) {
        threadId = (await client.createThread({ requestId: '', accountId: account, threadId: '', title: 'bench', administratorIds: [account], memberIds: [] })).threadId;
        posted = 0;
        return;
      }
      await client.addMessages({ requestId: '', accountId: account, threadId, messages: [{ text: `message ${posted}`, toAccountIds: [] }] });
      posted += 1;
    };
  });
  return { workers, close: () => raws.forEach((raw) => raw.close()) };
}

/** When {@link driveSpreadLoad} stops: after this many commands in all, or this many milliseconds. */
export type LoadLimit = { readonly commands: number } | { readonly ms: number };

/**
 * Runs the spread load on the service at `address` with `concurrency`
 * workers until `limit`; resolves with the commands completed.
 */
export async function driveSpreadLoad(address: string, concurrency: number, limit: LoadLimit, callOptions: PromiseCallOptions = {}): Promise<number> {
  const load = spreadThreadWorkers(address, concurrency, callOptions);
  const until = 'ms' in limit ? Date.now() + limit.ms : Number.POSITIVE_INFINITY;
  let started = 0;
  let done = 0;
  const more = (): boolean => ('commands' in limit ? started++ < limit.commands : Date.now() < until);
  try {
    await Promise.all(load.workers.map(async (step) => {
      while (more()) {
        await step();
        done++;
      }
    }));
  } finally {
    load.close();
  }
  return done;
}
