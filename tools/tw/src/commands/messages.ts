import type { Command } from 'commander';
import type { Message } from '@threadweaver/proto';
import { withContext, type ProgramIo } from '../context.js';
import { fields, nextPageHint, table, timestamp } from '../output.js';
import { minSeqOption, minSequenceNr, pageOptions, readPages, type PageFlags } from './query-flags.js';

/** `tw post`, `tw remove` and `tw messages`, added to `program`. */
export function addMessageCommands(program: Command, io: ProgramIo): void {
  program
    .command('post <thread-id> <text...>')
    .description('post one message (the words are joined with spaces)')
    .option('--reply-to <message-id>', 'the message of this thread it answers')
    .option('--to <account-ids...>', 'accounts the message is addressed to')
    .action((threadId: string, words: string[], flags: { replyTo?: string; to?: string[] }, command: Command) =>
      withContext(io, command, async ({ clients, out, accountId, newRequestId }) => {
        const message = { text: words.join(' '), replyMessageId: flags.replyTo, toAccountIds: flags.to ?? [] };
        const reply = await clients.commands.addMessages({ requestId: newRequestId(), accountId, threadId, messages: [message] });
        out.result(reply, () => fields([['message', reply.messageIds.join(' ')], ['thread', reply.threadId], ['sequence', reply.sequenceNr]]));
      }),
    );

  program
    .command('remove <thread-id> <message-ids...>')
    .description('remove messages (their sender, or an administrator)')
    .action((threadId: string, messageIds: string[], _flags: unknown, command: Command) =>
      withContext(io, command, async ({ clients, out, accountId, newRequestId }) => {
        const reply = await clients.commands.removeMessages({ requestId: newRequestId(), accountId, threadId, messageIds });
        out.result(reply, () => fields([['removed', reply.messageIds.join(' ')], ['thread', reply.threadId], ['sequence', reply.sequenceNr]]));
      }),
    );

  minSeqOption(pageOptions(program.command('messages <thread-id>').description("list a thread's messages, oldest first, a page at a time"))).action(
    (threadId: string, flags: PageFlags & { minSeq?: string }, command: Command) =>
      withContext(io, command, async ({ clients, out, accountId }) => {
        const page = await readPages(flags, async (pageSize, pageToken) => {
          const reply = await clients.queries.listMessages({ accountId, threadId, pageSize, pageToken, minSequenceNr: minSequenceNr(flags) });
          return { items: reply.messages, nextPageToken: reply.nextPageToken };
        });
        out.result({ messages: page.items, nextPageToken: page.nextPageToken }, () => messageTable(page.items) + nextPageHint(page.nextPageToken));
      }),
  );
}

function messageTable(messages: readonly Message[]): string {
  return table(
    ['ID', 'SENDER', 'CREATED', 'REPLY TO', 'TEXT'],
    messages.map((m) => [m.id, m.senderId, timestamp(m.createdAt), m.replyMessageId ?? '', oneLine(m.text)]),
  );
}

// A table row is one line; a message's own line breaks are shown, not obeyed.
const oneLine = (text: string): string => text.replace(/\r?\n/g, '↵');
