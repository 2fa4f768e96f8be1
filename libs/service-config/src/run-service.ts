// The process contract every service keeps (docs/DEVELOPING.md): a bad
// variable exits 1 naming it, one "ready" line once serving, SIGTERM drains
// and exits 0. Each service's main.ts only composes its objects.
import { createLogger, flushTraces, type Logger, type LogLevel } from '@threadweaver/telemetry';
import { isConfigError } from './config-error.js';
import type { Env } from './env-reader.js';

/** What a service's `start` hands back once it serves. */
export interface RunningService {
  /** Fields of the readiness line besides `msg: "ready"`: `port` and `address` at least. */
  readonly ready: Readonly<Record<string, unknown>>;
  /**
   * Drains and closes everything `start` built; called once, on SIGTERM or
   * SIGINT. Whatever it returns is logged on the `stopped` line.
   */
  stop(signal: string): Promise<Readonly<Record<string, unknown>> | void>;
}

/** What `start` is given. */
export interface ServiceContext<C> {
  readonly config: C;
  readonly logger: Logger;
  /**
   * Aborted when a stop signal arrives. A start that waits on dependencies
   * gives up on it and returns what it built so far; no ready line follows.
   */
  readonly stopping: AbortSignal;
}

/** One service process: its name, its settings and its composition. */
export interface ServiceDefinition<C extends { readonly logLevel: LogLevel }> {
  /** Names the process in its log lines (`service`) and its messages on stderr. */
  readonly name: string;
  /** Parses the environment; throws `ConfigError` naming a bad variable. */
  readonly loadConfig: (env: Env) => C;
  /** Builds the objects and starts serving. */
  readonly start: (context: ServiceContext<C>) => Promise<RunningService>;
}

/**
 * Runs a service process: reads its config (exit 1 on a bad variable),
 * starts it, writes the readiness line, and on SIGTERM or SIGINT stops it
 * and exits 0. Never returns while the process lives.
 */
export async function runService<C extends { readonly logLevel: LogLevel }>(definition: ServiceDefinition<C>): Promise<void> {
  const { name } = definition;
  let config: C;
  try {
    config = definition.loadConfig(process.env);
  } catch (err) {
    if (!isConfigError(err)) throw err;
    return fail(`${name}: bad configuration: ${err.message}`);
  }
  const logger = createLogger({ service: name, level: config.logLevel });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  const stopping = new AbortController();
  const started = definition.start({ config, logger, stopping: stopping.signal });

  const stop = async (signal: string): Promise<void> => {
    if (stopping.signal.aborted) return;
    stopping.abort(new Error(`${signal} received`));
    // A signal during start-up stops what start built once it has given up.
    const running = await started.catch(() => undefined);
    try {
      const stopped = running === undefined ? undefined : await running.stop(signal);
      logger.info(stopped ?? {}, 'stopped');
      await flushTraces();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  let running: RunningService;
  try {
    running = await started;
  } catch (err) {
    if (stopping.signal.aborted) return;
    return fail(`${name}: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  if (stopping.signal.aborted) return;
  // The readiness contract holds whatever LOG_LEVEL says: launchers wait for this line.
  logger.child({}, { level: 'info' }).info(running.ready, 'ready');
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
