import { Command, Option } from 'commander';
import { addLoadCommand } from './load/load-command.js';
import { addMessageCommands } from './commands/messages.js';
import { adminsCommand, membersCommand } from './commands/members.js';
import { addTailCommand } from './commands/tail.js';
import { threadCommand } from './commands/thread.js';
import { addTokenCommand } from './commands/token.js';
import type { ProgramIo } from './context.js';
import { defaultCommandAddress, defaultIssuerUrl, defaultQueryAddress } from './settings.js';

/**
 * The `tw` command line. Global options may come before or after the
 * subcommand; each falls back to its environment variable, then to the
 * address `npm start` uses.
 */
export function buildProgram(io: ProgramIo): Command {
  const program = new Command('tw')
    .description('Thread Weaver command-line client and load generator (gRPC)')
    .addOption(new Option('--command-addr <host:port>', `ThreadCommandService address (env TW_COMMAND_ADDR, default ${defaultCommandAddress})`))
    .addOption(new Option('--query-addr <host:port>', `ThreadQueryService address (env TW_QUERY_ADDR, default ${defaultQueryAddress})`))
    .addOption(new Option('--token <jwt>', 'bearer token sent on every call (env TW_TOKEN)'))
    .addOption(new Option('--account <account-id>', 'acting account, sent as account_id (env TW_ACCOUNT)'))
    .addOption(new Option('--issuer <url>', `development token issuer (env TW_ISSUER_URL, default ${defaultIssuerUrl})`))
    .addOption(new Option('--timeout <duration>', 'deadline of each call').default('10s'))
    .addOption(new Option('--json', 'print JSON for scripts instead of tables'));
  program.addCommand(threadCommand(io));
  program.addCommand(membersCommand(io));
  program.addCommand(adminsCommand(io));
  addMessageCommands(program, io);
  addTailCommand(program, io);
  addTokenCommand(program, io);
  addLoadCommand(program, io);
  reportUsageErrors(program, io);
  return program;
}

// Commands built with `new Command` inherit nothing from the program, so
// every level is told where to write and to throw instead of exiting
// (main.ts turns that into exit code 2).
function reportUsageErrors(command: Command, io: ProgramIo): void {
  command
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError()
    .exitOverride();
  for (const sub of command.commands) reportUsageErrors(sub, io);
}
