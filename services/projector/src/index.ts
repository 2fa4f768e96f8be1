// What tests and other packages may use of the projector.
export { BatchProjector } from './batch-projector.js';
export type { BatchProjectorOptions, ProjectorStats } from './batch-projector.js';
export { ConfigError, isConfigError } from '@threadweaver/service-config';
export { loadConfig } from './config.js';
export type { ProjectorConfig } from './config.js';
export { databaseProbe } from './database-probe.js';
export { JournalGapError, ProjectorError, isJournalGapError, isProjectorError } from './errors.js';
export { applyFillingGaps } from './gap-filling-apply.js';
export type { GapFillingResult } from './gap-filling-apply.js';
export { rebuildReadModel } from './rebuild.js';
export type { RebuildOptions, RebuildProgress } from './rebuild.js';
export { retryForever } from './retry.js';
export type { RetryForeverOptions } from './retry.js';
