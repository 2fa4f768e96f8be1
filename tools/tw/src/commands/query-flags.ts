import { Option, type Command } from 'commander';
import { parseCount } from '../settings.js';

/** The paging flags of a list command. */
export interface PageFlags {
  readonly pageSize?: string;
  readonly pageToken?: string;
  readonly all?: boolean;
}

/** Adds `--min-seq` (read-your-writes, SPEC §3) to a query command. */
export function minSeqOption(command: Command): Command {
  return command.option('--min-seq <n>', 'read your writes: wait until the read model has this sequence number');
}

/** The `min_sequence_nr` of `--min-seq`; 0 (no wait) without it. */
export function minSequenceNr(flags: { readonly minSeq?: string }): number {
  return flags.minSeq === undefined ? 0 : parseCount(flags.minSeq, '--min-seq');
}

/** One page of a list RPC: its items and the token of the next ('' at the end). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextPageToken: string;
}

/** Adds `--page-size`, `--page-token` and `--all` to a list command. */
export function pageOptions(command: Command): Command {
  return command
    .addOption(new Option('--page-size <n>', 'items per page (the server caps it at 1000)'))
    .addOption(new Option('--page-token <token>', 'continue from a previous page'))
    .addOption(new Option('--all', 'follow the pages to the end').conflicts('pageToken'));
}

/**
 * One page (from `--page-token`), or with `--all` every page, joined. The
 * result's `nextPageToken` is where a later call continues ('' when done).
 */
export async function readPages<T>(flags: PageFlags, fetchPage: (pageSize: number, pageToken: string) => Promise<Page<T>>): Promise<Page<T>> {
  const pageSize = flags.pageSize === undefined ? 0 : parseCount(flags.pageSize, '--page-size', 1000);
  const items: T[] = [];
  let token = flags.pageToken ?? '';
  do {
    const page = await fetchPage(pageSize, token);
    items.push(...page.items);
    token = page.nextPageToken;
  } while (flags.all === true && token !== '');
  return { items, nextPageToken: token };
}
