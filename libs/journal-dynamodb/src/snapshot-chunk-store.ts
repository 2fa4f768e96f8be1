import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { translateDynamoError } from './errors.js';
import type { ResolvedJournalOptions } from './options.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Chunk reads or writes in flight at once for one snapshot (a million messages is ~125 segments). */
const parallelChunks = 16;

/**
 * Runs `run` over `items`, at most `parallelChunks` at a time. After a
 * failure nothing more starts, and it rejects only once every run under way
 * has ended, so a caller cleaning up after it sees every write that landed.
 */
export async function inParallel<T>(items: readonly T[], run: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === undefined) {
      const index = next++;
      try {
        await run(items[index]!, index);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelChunks, items.length) }, worker));
  if (failure !== undefined) throw failure.err;
}

/**
 * Chunk items of the snapshots table: immutable payloads under unique keys.
 * Compression runs off the event loop, and each chunk is encoded, compressed
 * and written on its own, so a snapshot of any size never holds the event
 * loop for more than one chunk's copy.
 */
export class SnapshotChunkStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: ResolvedJournalOptions,
  ) {}

  /** Stores `bytes` under `key`, gzipped (off the event loop) when over `compressAboveBytes`. */
  async put(key: string, bytes: Uint8Array): Promise<void> {
    const item: Record<string, AttributeValue> = { threadId: { S: key }, payload: { B: bytes } };
    if (bytes.length > this.options.compressAboveBytes) {
      item['payload'] = { B: new Uint8Array(await gzipAsync(bytes, { level: 1 })) };
      item['payloadEncoding'] = { S: 'gzip' };
    }
    try {
      await this.client.send(new PutItemCommand({ TableName: this.options.snapshotsTable, Item: item }));
    } catch (err) {
      throw translateDynamoError(err, `PutItem snapshot chunk ${key}`);
    }
  }

  /** The payload stored under `key` (uncompressed), or undefined when the item is gone. */
  async get(key: string): Promise<Uint8Array | undefined> {
    const item = await this.getItem(key);
    if (item === undefined) return undefined;
    const bytes = item['payload']?.B;
    if (bytes === undefined) throw new Error(`chunk ${key} has no payload`);
    const encoding = item['payloadEncoding']?.S;
    if (encoding === undefined) return bytes;
    if (encoding !== 'gzip') throw new Error(`chunk ${key} has unknown payloadEncoding '${encoding}'`);
    return gunzipAsync(bytes);
  }

  /** One item by key, read consistently (head items too). */
  async getItem(key: string): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const out = await this.client.send(new GetItemCommand({ TableName: this.options.snapshotsTable, Key: { threadId: { S: key } }, ConsistentRead: true }));
      return out.Item;
    } catch (err) {
      throw translateDynamoError(err, `GetItem snapshot ${key}`);
    }
  }

  /** Deletes chunks; best effort, true when every delete went through. */
  async deleteAll(keys: readonly string[]): Promise<boolean> {
    let ok = true;
    await inParallel(keys, (key) =>
      this.client.send(new DeleteItemCommand({ TableName: this.options.snapshotsTable, Key: { threadId: { S: key } } })).catch(() => {
        ok = false;
      }),
    );
    return ok;
  }
}
