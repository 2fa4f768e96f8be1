export { ConfigError, isConfigError } from './config-error.js';
export { EnvReader } from './env-reader.js';
export type { Env, UrlRule } from './env-reader.js';
export {
  readDatabaseUrl,
  readDynamoDbSettings,
  readGrpcServerSettings,
  readNatsSettings,
  readProcessSettings,
  readPublicationTable,
  sharedDefaults,
} from './settings.js';
export type { DynamoDbSettings, GrpcServerSettings, NatsCredentials, NatsSettings, ProcessSettings } from './settings.js';
export { runService } from './run-service.js';
export type { RunningService, ServiceContext, ServiceDefinition } from './run-service.js';
