#!/usr/bin/env node
// Composition root of `tw`: runs the command line against process.env and
// the standard streams, prints an error as the server's own message, and
// exits with the code the README's table gives for it.
import { CommanderError } from 'commander';
import { exitCodeFor, showError, usageExitCode } from './errors.js';
import { buildProgram } from './program.js';

const io = { env: process.env, stdout: process.stdout, stderr: process.stderr };
const program = buildProgram(io);

try {
  await program.parseAsync(process.argv);
  process.exitCode = 0;
} catch (err) {
  if (err instanceof CommanderError) {
    // commander has printed the message (or the help) already.
    process.exitCode = err.exitCode === 0 ? 0 : usageExitCode;
  } else {
    const shown = showError(err);
    const json = program.opts<{ json?: boolean }>().json === true;
    io.stderr.write(json ? `${JSON.stringify({ error: shown })}\n` : `tw: ${shown.status}: ${shown.message}\n`);
    process.exitCode = exitCodeFor(err);
  }
}
