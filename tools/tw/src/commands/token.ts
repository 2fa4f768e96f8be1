import type { Command } from 'commander';
import { withContext, type ProgramIo } from '../context.js';
import { fetchDevToken } from '../dev-token.js';

/** `tw token <account>`: a token from the local development issuer (`export TW_TOKEN=$(tw token <account>)`). */
export function addTokenCommand(program: Command, io: ProgramIo): void {
  program
    .command('token <account-id>')
    .description('get an access token for an account from the local development issuer (--issuer, TW_ISSUER_URL)')
    .action((accountId: string, _flags: unknown, command: Command) =>
      withContext(io, command, async ({ settings, out }) => {
        const token = await fetchDevToken(settings.issuerUrl, accountId);
        out.result(token, () => token.access_token);
      }),
    );
}
