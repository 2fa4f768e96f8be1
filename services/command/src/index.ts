// What other packages (cluster forwarding, NATS publication) plug into.
export { requireCommandIds, toThreadCommand, withServerIds } from './command-requests.js';
export type { CommandMethod, CommandRequest } from './command-requests.js';
export { LocalCommandRouter } from './command-router.js';
export type { CommandRouter } from './command-router.js';
export { createCommandService } from './command-service.js';
export type { CommandServiceDeps } from './command-service.js';
export { ConfigError, isConfigError, loadConfig } from './config.js';
export type { CommandServiceConfig } from './config.js';
export type { EventPublisher } from './event-publisher.js';
export { createIdGenerator } from './ids.js';
export { NatsPublication } from './publication.js';
export type { NatsPublicationOptions } from './publication.js';
export { PublicationSweeper } from './publication-sweeper.js';
export type { PublicationSweeperOptions } from './publication-sweeper.js';
export type { IdGenerator } from './ids.js';
export { ThreadMailbox } from './mailbox.js';
export { ThreadAggregateHost } from './thread-aggregate-host.js';
export type { ThreadAggregateHostOptions } from './thread-aggregate-host.js';
