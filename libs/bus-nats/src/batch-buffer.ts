/**
 * A bounded hand-over between the message reader and the batch handler:
 * `put` waits while the buffer is full, `take` waits for at least one item
 * and returns everything up to `batchSize` that has arrived by then.
 */
export class BatchBuffer<T> {
  private readonly items: T[] = [];
  private itemArrived: (() => void) | undefined;
  private spaceFreed: (() => void) | undefined;
  private ended = false;

  constructor(
    private readonly batchSize: number,
    private readonly capacity: number,
  ) {}

  async put(item: T): Promise<void> {
    this.items.push(item);
    this.wakeTaker();
    while (this.items.length >= this.capacity && !this.ended) {
      await new Promise<void>((resolve) => (this.spaceFreed = resolve));
    }
  }

  /** No more items will come; `take` returns the rest, then undefined. */
  end(): void {
    this.ended = true;
    this.wakeTaker();
    this.wakePutter();
  }

  async take(): Promise<T[] | undefined> {
    while (this.items.length === 0) {
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.itemArrived = resolve));
    }
    const batch = this.items.splice(0, this.batchSize);
    this.wakePutter();
    return batch;
  }

  private wakeTaker(): void {
    const wake = this.itemArrived;
    this.itemArrived = undefined;
    wake?.();
  }

  private wakePutter(): void {
    const wake = this.spaceFreed;
    this.spaceFreed = undefined;
    wake?.();
  }
}
