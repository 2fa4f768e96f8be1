export { createReadModelClient } from './client.js';
export type { ReadModelClient, ReadModelClientOptions } from './client.js';
export {
  InvalidPageRequestError,
  MigrationError,
  ReadModelError,
  isInvalidPageRequestError,
  isMigrationError,
  isReadModelError,
} from './errors.js';
export { migrate, migrationsDir } from './migrate.js';
export type { MigrateOptions } from './migrate.js';
export { defaultPageSize, maxPageSize } from './page.js';
export type { Page, PageRequest } from './page.js';
export { ProgressListener } from './progress-listener.js';
export type { WaitForProgressOptions } from './progress-listener.js';
export { ThreadProjection, progressChannel } from './projection.js';
export type { ApplyStatus, ThreadApplyResult, ThreadProjectionOptions } from './projection.js';
export { ThreadReadModel } from './read-model.js';
export type { MessageView, ThreadView } from './read-model.js';
export type { ThreadAccess, ThreadRead } from './thread-access.js';
