// The publishing floor's way onto the bus (see grpc-put-floor.ts): the
// command service's own NatsPublication, from its build, so the floor pays
// exactly what the service pays to publish an event.
import type { ThreadEvent } from '@threadweaver/domain';
import { createLogger } from '@threadweaver/telemetry';

/** The part of the service's NatsPublication the floor uses. */
export interface FloorPublication {
  publish(events: readonly ThreadEvent[]): void;
  close(): Promise<void>;
}

interface PublicationModule {
  NatsPublication: new (options: { natsUrl: string; stream: string; subjectPrefix: string; logger: ReturnType<typeof createLogger> }) => FloorPublication & { start(): void };
}

/** The service's publication on NATS_URL / NATS_STREAM / NATS_SUBJECT_PREFIX, started; undefined without NATS_URL. */
export async function startFloorPublication(env: NodeJS.ProcessEnv): Promise<FloorPublication | undefined> {
  const natsUrl = env['NATS_URL'];
  if (natsUrl === undefined) return undefined;
  const { NatsPublication } = (await import(new URL('../../dist/publication.js', import.meta.url).href)) as PublicationModule;
  const publication = new NatsPublication({
    natsUrl,
    stream: env['NATS_STREAM'] ?? '',
    subjectPrefix: env['NATS_SUBJECT_PREFIX'] ?? '',
    logger: createLogger({ service: 'publishing floor', level: 'warn' }),
  });
  publication.start();
  return publication;
}
