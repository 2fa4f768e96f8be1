import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { eventHeaders } from '@threadweaver/bus-nats';
import { encodeEvent } from '@threadweaver/event-codec';
import type { ThreadEvent } from '@threadweaver/domain';
import type { TestNatsServer } from '@threadweaver/testing';
import { startNatsServer } from '@threadweaver/testing';
import { lastSequenceNrs, ProjectorWorld } from './projector-fixture.js';
import { newId, ThreadDriver } from './workload.js';

jest.setTimeout(120_000);

describe('projector: an event larger than NATS max_payload', () => {
  let server: TestNatsServer;
  let world: ProjectorWorld;

  beforeAll(async () => {
    // An own server with the stock 1 MB max_payload, whatever the shared one is configured with.
    server = await startNatsServer();
    world = await ProjectorWorld.start(server.url);
  });

  afterAll(async () => {
    await world?.close();
    await server?.dispose();
  });

  it('lands in the read model through a journal reference, as the last event of its thread', async () => {
    const driver = new ThreadDriver();
    const [admin, member] = [newId(), newId()];
    const created = driver.run(admin, { type: 'CreateThread', title: 'large', administratorIds: [admin], memberIds: [member] })!;
    // 100 messages of 4,000 three-byte characters: past today's 256 KiB per call, but a journal may
    // hold such an event from before that limit, and it is larger than NATS's max payload.
    const text = (i: number): string => `${i}:`.concat('漢字かなカナ'.repeat(700)).slice(0, 4000);
    const messages = Array.from({ length: 100 }, (_, i) => ({ id: newId(), text: text(i), toAccountIds: [admin] }));
    const big: ThreadEvent = {
      type: 'MessagesAdded',
      threadId: driver.threadId,
      sequenceNr: 2,
      occurredAt: new Date(created.occurredAt.getTime() + 1_000),
      requestId: newId(),
      accountId: member,
      messages,
    };
    driver.events.push(big);
    expect(encodeEvent(big).length).toBeGreaterThan(world.nc.info?.max_payload ?? Infinity);

    const projector = await world.startProjector();
    await world.persistAndPublish(driver.events);
    await world.flushPublisher();
    // The only way to sequence 2 is resolving its reference: no later event could trigger gap repair.
    await world.waitForThreads(lastSequenceNrs(driver.events));
    await world.expectMatchesJournal([driver.threadId]);

    const stored = await world.jsm.streams.getMessage(world.stream.stream, { last_by_subj: `${world.stream.subjectPrefix}.${driver.threadId}` });
    expect(stored?.header.get(eventHeaders.payloadRef)).toBe('journal');
    expect(stored?.data.length).toBe(0);
    await expect(projector.stop()).resolves.toEqual({ code: 0, signal: null });
  });
});
