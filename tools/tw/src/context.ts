import type { Command } from 'commander';
import { ulid } from 'ulid';
import { openClients, resolveToken, type TwClients } from './clients.js';
import { createOutput, type Output } from './output.js';
import { resolveSettings, type GlobalFlags, type Settings, type TwEnv } from './settings.js';

/** What the process gives the program: its environment and output streams (main.ts passes the real ones). */
export interface ProgramIo {
  readonly env: TwEnv;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/** Everything a command's body needs. */
export interface CommandContext {
  readonly settings: Settings;
  readonly out: Output;
  readonly io: ProgramIo;
  readonly clients: TwClients;
  /** The acting account for `account_id`; '' lets the server take the token's (SPEC §1). */
  readonly accountId: string;
  /** A fresh request id (ULID) for one command. */
  readonly newRequestId: () => string;
}

/**
 * Runs a command's body with settings from its flags (and the program's
 * global ones), a token and open clients, closing the clients afterwards.
 * Errors propagate to main.ts, which prints them and picks the exit code.
 */
export async function withContext(io: ProgramIo, command: Command, body: (ctx: CommandContext) => Promise<void>): Promise<void> {
  const settings = resolveSettings(command.optsWithGlobals<GlobalFlags>(), io.env);
  const token = await resolveToken(settings);
  const clients = openClients(settings, token);
  try {
    await body({
      settings,
      out: createOutput(settings.json, io.stdout),
      io,
      clients,
      accountId: settings.accountId ?? '',
      newRequestId: () => ulid(),
    });
  } finally {
    clients.close();
  }
}
