import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MetdbError } from '../../shared/errors/metdb-error.js';
import { WorkerPoolBus, type SettledDelivery } from '../../local/worker-pool-bus.js';

const handlerModule = new URL('./fake-worker-handler.ts', import.meta.url);
let bus: WorkerPoolBus | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await bus?.close();
  bus = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'metdb-pool-'));
  dirs.push(dir);
  return dir;
}

describe('WorkerPoolBus', () => {
  it('runs worker-topic messages on worker threads and their publications on the main thread', async () => {
    const settled: SettledDelivery[] = [];
    const aggregated: unknown[] = [];
    bus = new WorkerPoolBus({
      workers: 2,
      handlerModule,
      handlerOptions: {},
      mainThread: {
        aggregate: (message) => {
          aggregated.push(message);
          return Promise.resolve('ok');
        },
      },
      onSettled: (e) => settled.push(e),
    });
    for (let n = 1; n <= 6; n++) await bus.publish('tiles', { n, publish: n === 6 });
    await bus.idle();
    const tiles = settled.filter((e) => e.topic === 'tiles');
    expect(tiles.map((e) => (e.result as { doubled: number }).doubled).sort((a, b) => a - b)).toEqual([
      2, 4, 6, 8, 10, 12,
    ]);
    expect(tiles.every((e) => e.outcome === 'done')).toBe(true);
    const threads = new Set(tiles.map((e) => (e.result as { threadId: number }).threadId));
    expect(threads.has(0)).toBe(false);
    expect(aggregated).toEqual([{ n: 12 }]);
    expect(bus.deadLetters).toEqual([]);
  });

  it('with lazyWorkers, starts one worker, the others at the first work, with the broadcasts so far', async () => {
    const settled: SettledDelivery[] = [];
    bus = new WorkerPoolBus({
      workers: 2,
      handlerModule,
      handlerOptions: {},
      lazyWorkers: true,
      prefetch: 1,
      onSettled: (e) => settled.push(e),
    });
    bus.broadcast({ image: 'reference' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(bus.startedWorkers).toBe(1);
    for (let n = 1; n <= 40; n++) await bus.publish('tiles', { n, delay: 20 });
    expect(bus.startedWorkers).toBe(2);
    bus.broadcast({ image: 'moving' });
    for (let n = 41; n <= 80; n++) await bus.publish('tiles', { n, delay: 20 });
    await bus.idle();
    const results = settled.map((e) => e.result as { threadId: number; n: number; received: unknown[] });
    expect(settled).toHaveLength(80);
    // Both workers worked, and each got the broadcast made before the second one started.
    const threads = new Set(results.map((r) => r.threadId));
    expect(threads.size).toBe(2);
    for (const r of results) expect(r.received[0]).toEqual({ image: 'reference' });
    const late = results.filter((_, i) => Number(settled[i]!.messageId) > 40);
    expect(late.some((r) => r.received.length === 2)).toBe(true);
  });

  it('redelivers after a transient error and after a worker dies; dead-letters permanent errors', async () => {
    const dir = tempDir();
    const settled: SettledDelivery[] = [];
    bus = new WorkerPoolBus({
      workers: 1,
      handlerModule,
      handlerOptions: {},
      onSettled: (e) => settled.push(e),
    });
    await bus.publish('tiles', { n: 1, fail: 'transient', marker: join(dir, 'a') });
    await bus.publish('tiles', { n: 2, crash: true, marker: join(dir, 'b') });
    await bus.publish('tiles', { n: 3, fail: 'permanent' });
    await bus.publish('tiles', { n: 4 });
    await bus.idle();
    const byN = (n: number) => settled.filter((e) => e.messageId === String(n)).map((e) => e.outcome);
    expect(byN(1)).toEqual(['retry', 'done']);
    expect(byN(2)).toEqual(['retry', 'done']);
    expect(byN(3)).toEqual(['dead-letter']);
    expect(byN(4)).toEqual(['done']);
    expect(bus.deadLetters).toHaveLength(1);
    expect(bus.deadLetters[0]).toMatchObject({
      topic: 'tiles',
      attempts: 1,
      error: { kind: 'permanent', code: 'invalid-message' },
    });
  });

  it('delivers every kind by priority, and dead-letters a message that fails for good', async () => {
    const settled: SettledDelivery[] = [];
    bus = new WorkerPoolBus({
      workers: 1,
      prefetch: 1,
      workerKinds: ['aggregate', 'reprocess', 'tiles'],
      handlerModule,
      handlerOptions: {},
      onSettled: (e) => settled.push(e),
    });
    // Queued before the worker is ready: it takes them by priority, oldest first within a kind.
    await bus.publish('tiles', { n: 1 });
    await bus.publish('tiles', { n: 2 });
    await bus.publish('reprocess', { n: 3 });
    await bus.publish('aggregate', { n: 4 });
    await bus.idle();
    const order = settled
      .map((e) => e.result as { kind: string; doubled: number; seq: number })
      .sort((a, b) => a.seq - b.seq)
      .map((r) => `${r.kind}:${r.doubled / 2}`);
    expect(order).toEqual(['aggregate:4', 'reprocess:3', 'tiles:1', 'tiles:2']);

    await bus.publish('reprocess', { fail: 'permanent' });
    await bus.idle();
    expect(bus.deadLetters).toMatchObject([
      { topic: 'reprocess', attempts: 1, error: { kind: 'permanent' } },
    ]);
  });

  it('gives a message sent ahead to a worker that dies back to the queue, no attempt spent', async () => {
    const dir = tempDir();
    const settled: SettledDelivery[] = [];
    bus = new WorkerPoolBus({
      workers: 1,
      prefetch: 2,
      handlerModule,
      handlerOptions: {},
      onSettled: (e) => settled.push(e),
    });
    // Both queued before the worker is ready, so both are sent to it at once; it dies on the first.
    await bus.publish('tiles', { n: 1, crash: true, marker: join(dir, 'a') });
    await bus.publish('tiles', { n: 2, fail: 'permanent' });
    await bus.idle();
    const byN = (n: number) => settled.filter((e) => e.messageId === String(n)).map((e) => e.outcome);
    expect(byN(1)).toEqual(['retry', 'done']);
    expect(byN(2)).toEqual(['dead-letter']);
    expect(bus.deadLetters).toMatchObject([{ messageId: '2', attempts: 1 }]);
  });

  it('hands a worker batches of one kind; one failure in a batch fails alone', async () => {
    const dir = tempDir();
    const settled: SettledDelivery[] = [];
    bus = new WorkerPoolBus({
      workers: 2,
      batchSizes: { tiles: 4 },
      affinity: (_kind, attributes) => Number(attributes.key),
      handlerModule,
      handlerOptions: {},
      onSettled: (e) => settled.push(e),
    });
    for (let n = 1; n <= 10; n++) {
      const message = n === 5 ? { n, fail: 'transient', marker: join(dir, 'a') } : { n };
      await bus.publish('tiles', message, { key: String(n % 2) });
    }
    await bus.idle();
    const done = settled.filter((e) => e.outcome === 'done').map((e) => e.result as Record<string, number>);
    expect(done.map((r) => r.doubled! / 2).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Math.max(...done.map((r) => r.batch ?? 1))).toBeGreaterThan(1);
    expect(settled.filter((e) => e.outcome === 'retry').map((e) => e.messageId)).toEqual(['5']);
  });

  it('a worker that dies in a batch spends an attempt of each message of it, not of the next', async () => {
    const dir = tempDir();
    const settled: SettledDelivery[] = [];
    bus = new WorkerPoolBus({
      workers: 1,
      prefetch: 2,
      batchSizes: { tiles: 2 },
      handlerModule,
      handlerOptions: {},
      onSettled: (e) => settled.push(e),
    });
    // Queued before the worker is ready: units [1, 2] and [3, 4] are sent at once; it dies in 2.
    await bus.publish('tiles', { n: 1 });
    await bus.publish('tiles', { n: 2, crash: true, marker: join(dir, 'a') });
    await bus.publish('tiles', { n: 3 });
    await bus.publish('tiles', { n: 4, fail: 'permanent' });
    await bus.idle();
    const byN = (n: number) => settled.filter((e) => e.messageId === String(n)).map((e) => e.outcome);
    expect(byN(1)).toEqual(['retry', 'done']);
    expect(byN(2)).toEqual(['retry', 'done']);
    expect(byN(3)).toEqual(['done']);
    expect(bus.deadLetters).toMatchObject([{ messageId: '4', attempts: 1 }]);
  });

  it("completes a unit's outcomes on the main thread before its messages settle", async () => {
    const settled: SettledDelivery[] = [];
    let calls = 0;
    bus = new WorkerPoolBus({
      workers: 1,
      batchSizes: { tiles: 3 },
      handlerModule,
      handlerOptions: {},
      onSettled: (e) => settled.push(e),
      complete: {
        tiles: (outcomes) => {
          calls++;
          // The first completion fails (a busy database): its messages go back to a worker.
          if (calls === 1) return Promise.reject(new MetdbError('unavailable', 'database busy'));
          return Promise.resolve(
            outcomes.map((o) =>
              (o as { doubled: number }).doubled === 8
                ? { ok: false, error: new MetdbError('invalid-value', 'bad row') }
                : { ok: true, outcome: { ...(o as object), completed: true } },
            ),
          );
        },
      },
    });
    for (let n = 1; n <= 5; n++) await bus.publish('tiles', { n });
    await bus.idle();
    const done = settled.filter((e) => e.outcome === 'done');
    expect(done.map((e) => (e.result as { doubled: number }).doubled).sort((a, b) => a - b)).toEqual([
      2, 4, 6, 10,
    ]);
    expect(done.every((e) => (e.result as { completed?: boolean }).completed === true)).toBe(true);
    expect(settled.filter((e) => e.outcome === 'retry').length).toBeGreaterThan(0);
    expect(bus.deadLetters).toMatchObject([{ messageId: '4', error: { kind: 'permanent' } }]);
  });

  it('refuses topics it has no handler for, and publishing after close', async () => {
    bus = new WorkerPoolBus({ workers: 1, handlerModule, handlerOptions: {} });
    await expect(bus.publish('reprocess', {})).rejects.toThrow(/no handler/);
    await bus.close();
    await expect(bus.publish('tiles', { n: 1 })).rejects.toThrow(/closed/);
  });

  it('gives up, instead of restarting forever, when workers die before they start', async () => {
    bus = new WorkerPoolBus({
      workers: 1,
      handlerModule: new URL('./exiting-worker-handler.ts', import.meta.url),
      handlerOptions: {},
    });
    await bus.publish('tiles', { n: 1 });
    await bus.publish('tiles', { n: 2 });
    await expect(bus.idle()).rejects.toThrow(/exit before they start/);
    await expect(bus.idle()).rejects.toThrow(/exit before they start/);
  });
});
