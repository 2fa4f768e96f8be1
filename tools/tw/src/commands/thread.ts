import { Command } from 'commander';
import type { Thread } from '@threadweaver/proto';
import { withContext, type ProgramIo } from '../context.js';
import { UsageError } from '../errors.js';
import { fields, nextPageHint, table, timestamp } from '../output.js';
import { minSeqOption, minSequenceNr, pageOptions, readPages, type PageFlags } from './query-flags.js';

interface CreateFlags {
  readonly id?: string;
  readonly remarks?: string;
  readonly parent?: string;
  readonly admins?: string[];
  readonly members?: string[];
}

/** `tw thread create|destroy|show|list`. */
export function threadCommand(io: ProgramIo): Command {
  const thread = new Command('thread').description('create, destroy, show and list threads');

  thread
    .command('create <title>')
    .description('create a thread; the acting account becomes its creator')
    .option('--id <thread-id>', 'the new thread id (ULID); the server makes one when absent')
    .option('--remarks <text>', 'remarks (at most 1,000 characters)')
    .option('--parent <thread-id>', 'parent thread id')
    .option('--admins <account-ids...>', 'administrator ids (default: the acting account)')
    .option('--members <account-ids...>', 'member ids')
    .action((title: string, flags: CreateFlags, command: Command) =>
      withContext(io, command, async ({ clients, out, accountId, newRequestId }) => {
        const administratorIds = flags.admins ?? (accountId === '' ? [] : [accountId]);
        if (administratorIds.length === 0) throw new UsageError('a thread needs administrators: pass --admins, or --account / TW_ACCOUNT to be its administrator');
        const reply = await clients.commands.createThread({
          requestId: newRequestId(),
          accountId,
          threadId: flags.id ?? '',
          title,
          remarks: flags.remarks,
          parentThreadId: flags.parent,
          administratorIds,
          memberIds: flags.members ?? [],
        });
        out.result(reply, () => fields([['thread', reply.threadId], ['sequence', reply.sequenceNr]]));
      }),
    );

  thread
    .command('destroy <thread-id>')
    .description('destroy a thread (administrators only)')
    .action((threadId: string, _flags: unknown, command: Command) =>
      withContext(io, command, async ({ clients, out, accountId, newRequestId }) => {
        const reply = await clients.commands.destroyThread({ requestId: newRequestId(), accountId, threadId });
        out.result(reply, () => fields([['destroyed', reply.threadId], ['sequence', reply.sequenceNr]]));
      }),
    );

  minSeqOption(thread.command('show <thread-id>').description('show a thread')).action((threadId: string, flags: { minSeq?: string }, command: Command) =>
      withContext(io, command, async ({ clients, out, accountId }) => {
                const { thread: shown } = await clients.queries.getThread({ accountId, threadId, minSequenceNr: minSequenceNr(flags) });
        out.result(shown, () => (shown === undefined ? '' : describeThread(shown)));
      }),
    );

  pageOptions(thread.command('list').description("list the acting account's threads, oldest first")).action((flags: PageFlags, command: Command) =>
    withContext(io, command, async ({ clients, out, accountId }) => {
      const page = await readPages(flags, async (pageSize, pageToken) => {
        const reply = await clients.queries.listThreads({ accountId, pageSize, pageToken });
        return { items: reply.threads, nextPageToken: reply.nextPageToken };
      });
      out.result({ threads: page.items, nextPageToken: page.nextPageToken }, () =>
        table(['ID', 'TITLE', 'SEQ', 'CREATED'], page.items.map((t) => [t.id, t.title, String(t.sequenceNr), timestamp(t.createdAt)])) + nextPageHint(page.nextPageToken),
      );
    }),
  );
  return thread;
}

function describeThread(t: Thread): string {
  return fields([
    ['id', t.id],
    ['title', t.title],
    ['remarks', t.remarks],
    ['creator', t.creatorId],
    ['parent', t.parentThreadId],
    ['sequence', t.sequenceNr],
    ['created', timestamp(t.createdAt)],
    ['updated', timestamp(t.updatedAt)],
  ]);
}
