import { Command } from 'commander';
import { withContext, type CommandContext, type ProgramIo } from '../context.js';
import { fields, nextPageHint, table } from '../output.js';
import { minSeqOption, minSequenceNr, pageOptions, readPages, type PageFlags } from './query-flags.js';

/** A join/leave/list triple of RPCs over one set of account ids (members or administrators). */
interface AccountSet {
  readonly noun: string;
  readonly join: (ctx: CommandContext, threadId: string, accountIds: string[]) => Promise<{ threadId: string; sequenceNr: number }>;
  readonly leave: (ctx: CommandContext, threadId: string, accountIds: string[]) => Promise<{ threadId: string; sequenceNr: number }>;
  readonly list: (ctx: CommandContext, threadId: string, pageSize: number, pageToken: string, minSequenceNr: number) => Promise<{ accountIds: string[]; nextPageToken: string }>;
}

const command = (ctx: CommandContext, threadId: string, accountIds: string[]) => ({ requestId: ctx.newRequestId(), accountId: ctx.accountId, threadId, accountIds });
const query = (ctx: CommandContext, threadId: string, pageSize: number, pageToken: string, minSequenceNr: number) => ({
  accountId: ctx.accountId,
  threadId,
  pageSize,
  pageToken,
  minSequenceNr,
});

const members: AccountSet = {
  noun: 'members',
  join: (ctx, threadId, ids) => ctx.clients.commands.joinMemberIds(command(ctx, threadId, ids)),
  leave: (ctx, threadId, ids) => ctx.clients.commands.leaveMemberIds(command(ctx, threadId, ids)),
  list: (ctx, threadId, ...page) => ctx.clients.queries.listMemberIds(query(ctx, threadId, ...page)),
};

const admins: AccountSet = {
  noun: 'administrators',
  join: (ctx, threadId, ids) => ctx.clients.commands.joinAdministratorIds(command(ctx, threadId, ids)),
  leave: (ctx, threadId, ids) => ctx.clients.commands.leaveAdministratorIds(command(ctx, threadId, ids)),
  list: (ctx, threadId, ...page) => ctx.clients.queries.listAdministratorIds(query(ctx, threadId, ...page)),
};

/** `tw members add|remove|list`. */
export const membersCommand = (io: ProgramIo): Command => accountSetCommand(io, 'members', members);
/** `tw admins add|remove|list`. */
export const adminsCommand = (io: ProgramIo): Command => accountSetCommand(io, 'admins', admins);

function accountSetCommand(io: ProgramIo, name: string, set: AccountSet): Command {
  const root = new Command(name).description(`add, remove and list a thread's ${set.noun}`);
  for (const [verb, change] of [
    ['add', set.join],
    ['remove', set.leave],
  ] as const) {
    root
      .command(`${verb} <thread-id> <account-ids...>`)
      .description(`${verb} ${set.noun} (at most 1,000 ids a call)`)
      .action((threadId: string, accountIds: string[], _flags: unknown, cmd: Command) =>
        withContext(io, cmd, async (ctx) => {
          const reply = await change(ctx, threadId, accountIds);
          ctx.out.result(reply, () => fields([['thread', reply.threadId], ['sequence', reply.sequenceNr]]));
        }),
      );
  }
  minSeqOption(pageOptions(root.command('list <thread-id>').description(`list ${set.noun}`)))
    .action((threadId: string, flags: PageFlags & { minSeq?: string }, cmd: Command) =>
      withContext(io, cmd, async (ctx) => {
                const page = await readPages(flags, async (pageSize, pageToken) => {
          const reply = await set.list(ctx, threadId, pageSize, pageToken, minSequenceNr(flags));
          return { items: reply.accountIds, nextPageToken: reply.nextPageToken };
        });
        ctx.out.result({ accountIds: page.items, nextPageToken: page.nextPageToken }, () =>
          table(['ACCOUNT'], page.items.map((id) => [id])) + nextPageHint(page.nextPageToken),
        );
      }),
    );
  return root;
}
