/**
 * A per-thread serial queue: tasks run one at a time in arrival order, so
 * commands on one thread are serialised while different threads (each with
 * its own mailbox) run concurrently. A failing task does not stop the next.
 */
export class ThreadMailbox {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  /** Tasks waiting or running. */
  get size(): number {
    return this.queued;
  }

  /** Runs `task` after every task enqueued before it; resolves with its result. */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    this.queued += 1;
    const result = this.tail.then(task);
    this.tail = result.then(
      () => this.done(),
      () => this.done(),
    );
    return result;
  }

  /** Resolves once the mailbox is empty, including tasks enqueued while waiting (a group commit queues its next group). */
  async whenIdle(): Promise<void> {
    while (this.queued > 0) await this.tail;
  }

  private done(): void {
    this.queued -= 1;
  }
}
