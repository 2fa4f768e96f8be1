// The query service is a process (src/main.ts); these are exported for its tests and tools.
export { ConfigError, isConfigError } from '@threadweaver/service-config';
export { loadConfig } from './config.js';
export type { QueryServiceConfig } from './config.js';
export { ProgressGate } from './progress-gate.js';
export type { ProgressGateOptions } from './progress-gate.js';
export { createQueryService } from './query-service.js';
export type { QueryServiceDeps } from './query-service.js';
export { ThreadWatcher } from './thread-watcher.js';
export type { ThreadWatcherOptions } from './thread-watcher.js';
