import { closedLoop, type ClosedLoopRun } from '@threadweaver/load-driver';
import { ulid } from 'ulid';
import type { CommandContext } from '../context.js';
import type { LoadOptions } from './load-options.js';
import type { LoadProgress } from './load-progress.js';
import { LoadRecorder } from './load-recorder.js';

/** A finished load run: its threads, the closed loop's timings and what the recorder counted. */
export interface LoadRun {
  /** Marks this run's message texts (`tw-load <runId> …`), so verification tells them from others. */
  readonly runId: string;
  readonly threadIds: readonly string[];
  readonly loop: ClosedLoopRun;
  readonly recorder: LoadRecorder;
}

/** Creates the run's threads, each with the acting account as administrator. */
async function createThreads(ctx: CommandContext, count: number, runId: string): Promise<string[]> {
  const administratorIds = ctx.accountId === '' ? [] : [ctx.accountId];
  const threadIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const title = `tw load ${runId} #${i}`;
    const reply = await ctx.clients.commands.createThread({ requestId: ctx.newRequestId(), accountId: ctx.accountId, threadId: '', title, administratorIds, memberIds: [] });
    threadIds.push(reply.threadId);
  }
  return threadIds;
}

/**
 * Runs the load: `concurrency` workers post AddMessages calls back to back
 * for the duration (or until `stop` resolves), spread round robin over the
 * threads. A failed call is counted by status and the worker goes on.
 */
export async function runLoad(ctx: CommandContext, options: LoadOptions, progress: LoadProgress, stop: Promise<unknown>): Promise<LoadRun> {
  const runId = ulid();
  const threadIds = await createThreads(ctx, options.threads, runId);
  const recorder = new LoadRecorder(options.verify);
  let callNumber = 0;
  const post = async (worker: number, i: number): Promise<void> => {
    const threadId = threadIds[callNumber++ % threadIds.length]!;
    const messages = Array.from({ length: options.messagesPerCall }, (_, k) => ({ text: `tw-load ${runId} w${worker} c${i} m${k}`, toAccountIds: [] }));
    try {
      const reply = await ctx.clients.commands.addMessages({ requestId: ctx.newRequestId(), accountId: ctx.accountId, threadId, messages });
      recorder.acknowledged(threadId, reply.messageIds, reply.sequenceNr);
    } catch (err) {
      recorder.failed(err);
    }
  };
  const started = performance.now();
  const ticker = setInterval(() => progress.update(performance.now() - started, recorder.live()), 250);
  try {
    const loop = await closedLoop({ concurrency: options.concurrency, seconds: options.durationMs / 1000, onCall: (ms) => recorder.latency(ms), stop }, post);
    progress.update(loop.elapsedMs, recorder.live());
    return { runId, threadIds, loop, recorder };
  } finally {
    clearInterval(ticker);
    progress.stop();
  }
}
