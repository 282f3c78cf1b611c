/**
 * The Pub/Sub bus and the push harness on the real emulator and the real functions-framework CLI:
 * one emulator for this file (started here unless PUBSUB_EMULATOR_HOST points at a live one).
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PubSubBus } from '../../shared/adapters/pubsub-bus.js';
import { decodePubSubCloudEvent } from '../../shared/messages/pubsub-cloud-event.js';
import { startFunction, type FunctionServer } from '../../scripts/dev-cloud/function-server.js';
import { startPubSubEmulator, type PubSubEmulator } from '../../scripts/dev-cloud/pubsub-emulator.js';
import { createTopology, type Topology } from '../../scripts/dev-cloud/pubsub-topology.js';
import { eventarcFinalized, gcsNotification } from '../../scripts/dev-cloud/storage-events.js';
import { parseStorageEvent } from '../../shared/messages/storage-event.js';

const FIXTURE = 'test/support/fixtures/cloud-event-functions.js';
const run = randomUUID().slice(0, 8);
const topics = { bus: `bus-${run}`, ok: `ok-${run}`, poison: `poison-${run}` };
const dir = mkdtempSync(join(tmpdir(), 'metdb-pubsub-test-'));
const recordFile = join(dir, 'deliveries.jsonl');

let emulator: PubSubEmulator;
let topology: Topology;
const servers: FunctionServer[] = [];

interface Recorded {
  target: string;
  id: string;
  type: string;
  source: string;
  data: unknown;
}

function recorded(): Recorded[] {
  if (!existsSync(recordFile)) return [];
  return readFileSync(recordFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Recorded);
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  emulator = await startPubSubEmulator();
  process.env.PUBSUB_EMULATOR_HOST = emulator.host;
  process.env.METADATA_SERVER_DETECTION = 'none'; // no GCE metadata probes (and their warnings) from the clients
  const env = { FIXTURE_RECORD_FILE: recordFile };
  const [record, alwaysFail] = await Promise.all([
    startFunction('record', { source: FIXTURE, env }),
    startFunction('alwaysFail', { source: FIXTURE, env }),
  ]);
  servers.push(record, alwaysFail);
  topology = await createTopology(emulator.host, emulator.projectId, [
    { topic: topics.bus, maxDeliveryAttempts: 'none' },
    { topic: topics.ok, pushTo: record.url },
    { topic: topics.poison, pushTo: alwaysFail.url, maxDeliveryAttempts: 5 },
  ]);
});

afterAll(async () => {
  await topology?.destroy();
  await Promise.all(servers.map((s) => s.stop()));
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('PubSubBus on the emulator', () => {
  it('publishes JSON with attributes and resolves with the server message id', async () => {
    const bus = new PubSubBus({
      projectId: emulator.projectId,
      topics: { tiles: topics.bus, aggregate: topics.bus, reprocess: topics.bus, outputs: topics.bus },
    });
    const ids = await Promise.all([
      bus.publish('tiles', { schemaVersion: 1, n: 1 }, { jobId: 'j1' }),
      bus.publish('aggregate', { schemaVersion: 1, n: 2 }),
    ]);
    expect(ids.every((id) => /^\d+$/.test(id))).toBe(true);
    const messages = await topology.pulled(topics.bus, 2);
    const bodies = messages
      .map((m) => JSON.parse(m.data.toString('utf8')) as { n: number })
      .sort((a, b) => a.n - b.n);
    expect(bodies).toEqual([
      { schemaVersion: 1, n: 1 },
      { schemaVersion: 1, n: 2 },
    ]);
    expect(messages.find((m) => m.id === ids[0])?.attributes).toEqual({ jobId: 'j1' });
    await bus.close();
  });

  it('turns a publish to a missing topic into a transient MetdbError', async () => {
    const bus = new PubSubBus({
      projectId: emulator.projectId,
      topics: {
        tiles: `missing-${run}`,
        aggregate: `missing-${run}`,
        reprocess: `missing-${run}`,
        outputs: `missing-${run}`,
      },
    });
    await expect(bus.publish('tiles', { a: 1 })).rejects.toMatchObject({
      code: 'unavailable',
      kind: 'transient',
    });
    await bus.close();
  });
});

describe('push subscriptions to functions-framework (the harness)', () => {
  it('delivers a published message to the function as a messagePublished CloudEvent', async () => {
    const bus = new PubSubBus({
      projectId: emulator.projectId,
      topics: { tiles: topics.ok, aggregate: topics.ok, reprocess: topics.ok, outputs: topics.ok },
    });
    const id = await bus.publish('tiles', { schemaVersion: 1, hello: 'wörld' }, { jobId: 'j2' });
    await bus.close();
    const event = await until('the push', () => recorded().find((r) => r.target === 'record' && r.id === id));
    expect(event.type).toBe('google.cloud.pubsub.topic.v1.messagePublished');
    expect(event.source).toBe(`//pubsub.googleapis.com/projects/${emulator.projectId}/topics/${topics.ok}`);
    expect(decodePubSubCloudEvent(event)).toMatchObject({
      messageId: id,
      data: { schemaVersion: 1, hello: 'wörld' },
      attributes: { jobId: 'j2' },
    });
  });

  it('turns a GCS notification and an Eventarc delivery of the same upload into the same storage event', async () => {
    const resource = {
      bucket: 'uploads',
      name: 'ds 1/ünï ../f.tif',
      generation: '1717236000123456',
      size: '12',
      contentType: 'image/tiff',
    };
    const { data, attributes } = gcsNotification(resource);
    const [messageId] = [await topology.pubsub.topic(topics.ok).publishMessage({ data, attributes })];
    const viaPush = await until('the notification', () =>
      recorded().find((r) => r.target === 'record' && r.id === messageId),
    );
    const direct = eventarcFinalized(resource, `eventarc-${run}`);
    const response = await fetch(servers[0]?.url ?? '', {
      method: 'POST',
      headers: direct.headers,
      body: direct.body,
    });
    expect(response.status).toBeLessThan(300);
    const viaEventarc = await until('the CloudEvent', () =>
      recorded().find((r) => r.id === `eventarc-${run}`),
    );
    expect(parseStorageEvent(viaPush)).toEqual(parseStorageEvent(viaEventarc));
    expect(parseStorageEvent(viaPush)).toMatchObject({ kind: 'finalized', name: resource.name, size: 12 });
  });

  it('redelivers a message whose function fails, then moves it to the dead-letter topic after 5 attempts', async () => {
    const bus = new PubSubBus({
      projectId: emulator.projectId,
      topics: {
        tiles: topics.poison,
        aggregate: topics.poison,
        reprocess: topics.poison,
        outputs: topics.poison,
      },
    });
    const id = await bus.publish('tiles', { schemaVersion: 1, poison: true });
    await bus.close();
    const [dead] = await topology.deadLettered(topics.poison, 1, 45_000);
    expect(JSON.parse(dead?.data.toString('utf8') ?? '')).toEqual({ schemaVersion: 1, poison: true });
    const attempts = recorded().filter((r) => r.target === 'alwaysFail' && r.id === id);
    expect(attempts).toHaveLength(5);
    expect(servers[1]?.output()).toContain('fixture failure');
  });
});
