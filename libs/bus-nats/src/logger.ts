/**
 * The logging this package needs: pino's `(object, message)` call shape, so
 * a pino logger fits as is and tests can pass a small recorder.
 */
export interface BusLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}
