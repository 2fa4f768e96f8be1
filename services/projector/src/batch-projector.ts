import type { DeliveredEvent } from '@threadweaver/bus-nats';
import type { Journal } from '@threadweaver/journal-dynamodb';
import { isJournalUnavailableError } from '@threadweaver/journal-dynamodb';
import type { ThreadApplyResult, ThreadProjection } from '@threadweaver/readmodel';
import { contextFromTraceContext, inSpan, linkTo, meterFor, SpanKind, tracerFor, type Link, type Logger } from '@threadweaver/telemetry';
import { retryForever } from '@threadweaver/retry';
import { applyFillingGaps } from './gap-filling-apply.js';

const tracer = tracerFor('projector');
const projectionLag = meterFor('projector').createHistogram('threadweaver.projector.lag', {
  description: "From an event's time in the command service to its commit in the read model",
  unit: 's',
  advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] },
});

/** Options for {@link BatchProjector}. */
export interface BatchProjectorOptions {
  projection: ThreadProjection;
  journal: Pick<Journal, 'readEvents'>;
  /** True when PostgreSQL answers; tells an outage (wait in place) from a bad event (redeliver later). */
  databaseReachable: () => Promise<boolean>;
  logger: Logger;
  /** Aborted on shutdown: stop waiting out outages and hand events back. */
  signal: AbortSignal;
  /** Threads of one batch applied at once. @default 8 */
  concurrency?: number;
  /** Longest pause while waiting out an outage. @default 5000 */
  maxRetryDelayMs?: number;
}

/** Counters for logs and the benchmark. */
export interface ProjectorStats {
  batches: number;
  events: number;
  applied: number;
  duplicates: number;
  filledFromJournal: number;
  redelivered: number;
}

/**
 * The durable consumer's batch handler. The whole batch is applied in one
 * call (one transaction for all its threads); a thread that call leaves with
 * a gap, or all of them if it fails, is then applied on its own (in sequence
 * order, gaps filled from the journal), `concurrency` threads at a time.
 * Events are acknowledged only once committed in PostgreSQL.
 *
 * While PostgreSQL or DynamoDB is unavailable a thread waits in place with
 * backoff (heartbeating so JetStream does not redeliver), however long that
 * takes. Any other failure belongs to the events themselves: they are nak'ed
 * with a growing delay and redelivered, never skipped.
 */
export class BatchProjector {
  readonly stats: ProjectorStats = { batches: 0, events: 0, applied: 0, duplicates: 0, filledFromJournal: 0, redelivered: 0 };
  private readonly concurrency: number;

  constructor(private readonly options: BatchProjectorOptions) {
    this.concurrency = options.concurrency ?? 8;
  }

  /** Handles one batch (an `EventBatchHandler`); settles every event itself. */
  readonly handle = async (batch: readonly DeliveredEvent[]): Promise<void> => {
    this.stats.batches++;
    this.stats.events += batch.length;
    // Every thread of the batch in one statement (one round trip, one
    // transaction); a thread it leaves unsettled (a gap, or the call failing)
    // takes the per-thread path with gap filling, outage waits and naks.
    const settled = await this.applyBatch(batch);
    const queue = [...groupByThread(batch)];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await this.projectThread(...next, settled.get(next[0]));
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
  };

  /**
   * One thread's events in a CONSUMER span: child of the newest event's
   * publish span (so the projection joins the trace of the command that
   * caused it), linked to the others'. The transaction's queries are its children.
   */
  private projectThread(threadId: string, delivered: readonly DeliveredEvent[], settled: ThreadApplyResult | undefined): Promise<void> {
    const newest = delivered[delivered.length - 1];
    const links = delivered.map((d) => linkTo(d.traceContext)).filter((l): l is Link => l !== undefined);
    const attributes = { 'threadweaver.thread_id': threadId, 'messaging.batch.message_count': delivered.length };
    return inSpan(tracer, 'project thread events', { kind: SpanKind.CONSUMER, attributes, links }, () => this.applyThread(threadId, delivered, settled), contextFromTraceContext(newest?.traceContext));
  }

  /**
   * Applies the whole batch in one call. Any failure (an outage, one thread's
   * bad event) settles nothing here: each thread then retries on its own, so
   * one bad thread cannot hold up the others.
   */
  private async applyBatch(batch: readonly DeliveredEvent[]): Promise<Map<string, ThreadApplyResult>> {
    const links = batch.map((d) => linkTo(d.traceContext)).filter((l): l is Link => l !== undefined);
    const attributes = { 'messaging.batch.message_count': batch.length };
    try {
      // Like the per-thread span: child of the newest event's publish span,
      // linked to the rest, so at least one command's trace reaches the SQL
      // write (all of them do when batches are small, as at low load).
      const newest = batch.at(-1);
      const results = await inSpan(
        tracer,
        'project batch',
        { kind: SpanKind.CONSUMER, attributes, links },
        () => this.options.projection.apply(batch.map((d) => d.event)),
        contextFromTraceContext(newest?.traceContext),
      );
      return new Map(results.map((r) => [r.threadId, r]));
    } catch (err) {
      this.options.logger.debug({ err, events: batch.length }, 'batch apply failed; applying thread by thread');
      return new Map();
    }
  }

  private async applyThread(threadId: string, delivered: readonly DeliveredEvent[], settled: ThreadApplyResult | undefined): Promise<void> {
    const { logger, signal } = this.options;
    const events = delivered.map((d) => d.event);
    try {
      const { result, filledFromJournal } = settled !== undefined && settled.status !== 'gap' ? { result: settled, filledFromJournal: 0 } : await retryForever(() => applyFillingGaps(this.options.projection, this.options.journal, threadId, events), {
        signal,
        maxDelayMs: this.options.maxRetryDelayMs ?? 5000,
        retryIf: (err) => this.isOutage(err),
        onFailure: (err, attempt) => {
          // Keep JetStream from handing these to another replica while we wait.
          for (const d of delivered) d.working();
          if (attempt === 1 || attempt % 10 === 0) logger.warn({ err, threadId, attempt }, 'store unavailable; waiting to apply events');
        },
      });
      this.stats.applied += result.appliedCount;
      this.stats.duplicates += events.length - result.appliedCount;
      this.stats.filledFromJournal += filledFromJournal;
      if (filledFromJournal > 0) logger.info({ threadId, filledFromJournal, lastSequenceNr: result.lastSequenceNr }, 'filled a gap from the journal');
      for (const d of delivered) d.ack();
      const now = Date.now();
      for (const event of events) projectionLag.record(Math.max(0, now - event.occurredAt.getTime()) / 1000);
    } catch (err) {
      this.stats.redelivered += delivered.length;
      if (signal.aborted) {
        // Shutting down mid-outage: hand the events straight back to another replica.
        for (const d of delivered) d.nak();
        return;
      }
      const deliveryCount = Math.max(...delivered.map((d) => d.deliveryCount));
      const delayMs = Math.min(60_000, 500 * 2 ** Math.min(deliveryCount - 1, 10));
      logger.error({ err, threadId, sequenceNrs: events.map((e) => e.sequenceNr), deliveryCount, delayMs }, 'could not apply events; redelivering later');
      for (const d of delivered) d.nak(delayMs);
    }
  }

  private async isOutage(err: unknown): Promise<boolean> {
    if (isJournalUnavailableError(err)) return true;
    return !(await this.options.databaseReachable().catch(() => false));
  }
}

function groupByThread(batch: readonly DeliveredEvent[]): Map<string, DeliveredEvent[]> {
  const groups = new Map<string, DeliveredEvent[]>();
  for (const d of batch) {
    const group = groups.get(d.event.threadId);
    if (group === undefined) groups.set(d.event.threadId, [d]);
    else group.push(d);
  }
  return groups;
}
