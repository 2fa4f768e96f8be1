// dynalite in its own process for the benchmark, so the store gets a core
// of its own rather than competing with the load generator. Prints the
// readiness line startServiceProcess waits for; exits on SIGTERM.
import { startDynalite } from '@threadweaver/testing';

const dynalite = await startDynalite();
const port = Number(new URL(dynalite.endpoint).port);
process.stdout.write(`${JSON.stringify({ msg: 'ready', port, address: `127.0.0.1:${port}` })}\n`);
process.on('SIGTERM', () => {
  void dynalite.close().then(() => process.exit(0));
});
