import type { Command } from 'commander';
import type { WatchThreadResponse } from '@threadweaver/proto';
import { withContext, type ProgramIo } from '../context.js';
import { parseCount } from '../settings.js';
import { eventLine, eventView } from './event-view.js';

/** `tw tail <thread> [--from N]`: follows a thread through WatchThread, one line per event as it arrives. */
export function addTailCommand(program: Command, io: ProgramIo): void {
  program
    .command('tail <thread-id>')
    .description('follow a thread live: replay from --from, then print each event as it arrives (one JSON object a line with --json)')
    .option('--from <n>', 'first sequence number to print (1 = the beginning)', '1')
    .action((threadId: string, flags: { from: string }, command: Command) =>
      withContext(io, command, async ({ clients, accountId, settings }) => {
        const fromSequenceNr = parseCount(flags.from, '--from');
        const call = clients.watchThread({ accountId, threadId, fromSequenceNr });
        // Ctrl-C ends a tail normally: cancel the stream and exit 0.
        let cancelled = false;
        const interrupted = (): void => {
          cancelled = true;
          call.cancel();
        };
        process.once('SIGINT', interrupted);
        try {
          await new Promise<void>((resolve, reject) => {
            call.on('data', (reply: WatchThreadResponse) => {
              if (reply.event === undefined) return;
              io.stdout.write(`${settings.json ? JSON.stringify(eventView(reply.event)) : eventLine(reply.event)}\n`);
            });
            call.on('end', resolve);
            call.on('error', (err) => (cancelled ? resolve() : reject(err)));
          });
        } finally {
          process.off('SIGINT', interrupted);
        }
      }),
    );
}
