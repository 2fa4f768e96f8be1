/**
 * An environment variable that is set but unusable. The message starts with
 * the variable's name (`NATS_URL: must be …`), so a process can print it and
 * exit 1 without more context.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  /**
   * @param variable - the environment variable at fault
   * @param problem - what is wrong with it, phrased to follow `${variable}: `
   */
  constructor(
    readonly variable: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`${variable}: ${problem}`, options);
  }
}

/** True when `err` is a {@link ConfigError}. */
export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}
