import { Option, type Command } from 'commander';
import { withContext, type ProgramIo } from '../context.js';
import { UsageError, VerificationFailedError } from '../errors.js';
import { loadDefaults, parseLoadOptions, type LoadFlags } from './load-options.js';
import { createLoadProgress } from './load-progress.js';
import { loadReport, loadReportText } from './load-report.js';
import { runLoad } from './load-run.js';
import { verifyRun, type Verification } from './load-verify.js';

/**
 * `tw load`: a closed-loop AddMessages load on a deployment, with a live
 * display on stderr and a summary on stdout. Exits non-zero when `--verify`
 * finds a lost or duplicated message (1) or cannot read back (the failed
 * call's status), or when no command succeeded (the last error's status).
 */
export function addLoadCommand(program: Command, io: ProgramIo): void {
  program
    .command('load')
    .description('post messages as fast as replies come back, then summarise (rate, latency histogram, errors by status)')
    .addOption(new Option('--threads <n>', 'threads the load is spread over').default(loadDefaults.threads))
    .addOption(new Option('--concurrency <n>', 'calls in flight at once').default(loadDefaults.concurrency))
    .addOption(new Option('--duration <duration>', 'how long to run, e.g. 30s, 2m').default(loadDefaults.duration))
    .addOption(new Option('--messages-per-call <n>', 'messages per AddMessages call (1-100)').default(loadDefaults.messagesPerCall))
    .addOption(new Option('--hot', 'all calls on one thread (ignores --threads)'))
    .addOption(new Option('--verify', 'afterwards read every acknowledged message back (read-your-writes) and report lost or duplicated ones'))
    .action((flags: LoadFlags, command: Command) =>
      withContext(io, command, async (ctx) => {
        const options = parseLoadOptions(flags);
        if (ctx.accountId === '') throw new UsageError('tw load needs an account to post as: pass --account or set TW_ACCOUNT');
        // Ctrl-C ends the load early but still summarises (and verifies) what ran.
        let interrupt = (): void => undefined;
        const stop = new Promise<void>((resolve) => (interrupt = resolve));
        process.once('SIGINT', interrupt);
        const run = await runLoad(ctx, options, createLoadProgress(io.stderr, options.durationMs), stop).finally(() => process.off('SIGINT', interrupt));
        let verification: Verification | undefined;
        let verifyError: Error | undefined;
        if (options.verify) {
          try {
            verification = await verifyRun(ctx, run);
          } catch (err) {
            verifyError = err instanceof Error ? err : new Error(String(err));
          }
        }
        const report = loadReport(options, run, verification, verifyError);
        ctx.out.result(report, () => loadReportText(report));
        if (verifyError !== undefined) throw verifyError;
        if (verification !== undefined && verification.lost + verification.duplicated > 0) {
          throw new VerificationFailedError(`${verification.lost} acknowledged messages lost, ${verification.duplicated} duplicated`);
        }
        if (run.recorder.succeeded === 0) throw run.recorder.lastError ?? new Error('no command was made');
      }),
    );
}
