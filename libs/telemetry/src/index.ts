export { createLogger, isLogLevel, logLevels } from './logger.js';
export type { Logger, LoggerOptions, LogLevel } from './logger.js';
