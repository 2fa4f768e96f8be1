import type { Command } from 'commander';
import type { ProgramIo } from '../context.js';
import { fetchDevToken } from '../dev-token.js';
import { createOutput } from '../output.js';
import { resolveSettings, type GlobalFlags } from '../settings.js';

/**
 * `tw token <account>`: a token from the local development issuer
 * (`export TW_TOKEN=$(tw token <account>)`). Settings only: no token of its
 * own and no gRPC clients, unlike the commands that call the services.
 */
export function addTokenCommand(program: Command, io: ProgramIo): void {
  program
    .command('token <account-id>')
    .description('get an access token for an account from the local development issuer (--issuer, TW_ISSUER_URL)')
    .action(async (accountId: string, _flags: unknown, command: Command) => {
      const settings = resolveSettings(command.optsWithGlobals<GlobalFlags>(), io.env);
      const token = await fetchDevToken(settings.issuerUrl, accountId);
      createOutput(settings.json, io.stdout).result(token, () => token.access_token);
    });
}
