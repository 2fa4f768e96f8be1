import { percentile } from '@threadweaver/load-driver';
import { isGrpcServiceError } from '@threadweaver/grpc-kit/client';
import { statusName } from '../errors.js';

/** What one thread was acknowledged: the message ids the server returned and the highest sequence number. */
export interface ThreadAcks {
  readonly messageIds: string[];
  maxSequenceNr: number;
}

/** The live figures a progress display shows. */
export interface LiveFigures {
  readonly calls: number;
  readonly errors: number;
  /** p50 and p99 of the most recent calls (ms); NaN before the first. */
  readonly p50: number;
  readonly p99: number;
}

/** How many recent latencies the live percentiles look at: recent enough to move, many enough to mean something. */
const recentWindow = 2000;

/**
 * Counts a load run's outcomes as they happen: calls, errors by gRPC status,
 * a window of recent latencies for the live display, and (when verifying)
 * every acknowledged message id per thread.
 */
export class LoadRecorder {
  calls = 0;
  succeeded = 0;
  readonly errorsByStatus = new Map<string, number>();
  readonly acks = new Map<string, ThreadAcks>();
  /** The last error seen, so a run where nothing succeeded can exit with its status. */
  lastError: Error | undefined;
  private readonly recent: number[] = [];
  private next = 0;

  constructor(private readonly keepAcks: boolean) {}

  latency(ms: number): void {
    if (this.recent.length < recentWindow) this.recent.push(ms);
    else this.recent[this.next] = ms;
    this.next = (this.next + 1) % recentWindow;
  }

  acknowledged(threadId: string, messageIds: readonly string[], sequenceNr: number): void {
    this.calls += 1;
    this.succeeded += 1;
    if (!this.keepAcks) return;
    const acks = this.acks.get(threadId) ?? { messageIds: [], maxSequenceNr: 0 };
    acks.messageIds.push(...messageIds);
    acks.maxSequenceNr = Math.max(acks.maxSequenceNr, sequenceNr);
    this.acks.set(threadId, acks);
  }

  failed(err: unknown): void {
    this.calls += 1;
    this.lastError = err instanceof Error ? err : new Error(String(err));
    const status = isGrpcServiceError(err) ? statusName(err.code) : 'CLIENT_ERROR';
    this.errorsByStatus.set(status, (this.errorsByStatus.get(status) ?? 0) + 1);
  }

  get errors(): number {
    return this.calls - this.succeeded;
  }

  live(): LiveFigures {
    const sorted = [...this.recent].sort((a, b) => a - b);
    return { calls: this.calls, errors: this.errors, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  }
}
