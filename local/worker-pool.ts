import type { Worker } from 'node:worker_threads';
import { MetdbError } from '../shared/errors/metdb-error.js';
import type { Logger } from '../shared/logging/logger.js';
import { siblingModule, spawnWorker } from './spawn-worker.js';
import type { Delivery } from './unit-scheduler.js';
import type { MainToWorker, PoolWorkerData, WorkerToMain } from './worker-protocol.js';

/** One worker thread and the units sent to it. */
export interface WorkerSlot {
  readonly worker: Worker;
  ready: boolean;
  /** Units sent to the worker, oldest (the one running) first; a unit leaves once all of it settled. */
  inFlight: Delivery[][];
}

export interface WorkerPoolOptions {
  workers: number;
  /** URL of the module each worker loads (exports `createWorkerHandler`, see worker-protocol.ts). */
  handlerModule: URL;
  /** Options given to `createWorkerHandler` in every worker (structured-cloneable). */
  handlerOptions: unknown;
  /** Start one worker now and the others at `startRemaining` (see `WorkerPoolBusOptions.lazyWorkers`). */
  lazy: boolean;
  logger?: Logger;
  /** A worker is ready for deliveries. */
  onReady: () => void;
  /** A worker's publications and settlements. */
  onMessage: (slot: WorkerSlot, message: Extract<WorkerToMain, { type: 'publish' | 'settled' }>) => void;
  /** A worker exited with these units in flight (the first one running); a new one replaces it. */
  onExit: (code: number, inFlight: Delivery[][]) => void;
  /** The workers cannot start: the pool gives up (no crash loop). */
  onFatal: (error: MetdbError) => void;
}

/**
 * The worker threads of the local bus: started (lazily if asked), replaced when one dies, given
 * broadcasts, closed. Which work goes where is the scheduler's; what a failure means, the policy's.
 */
export class WorkerPool {
  readonly slots: WorkerSlot[] = [];
  private closed = false;
  private fatal = false;
  /** Workers that exited before they were ready: past a bound the pool gives up. */
  private startFailures = 0;
  /** With `lazy`, until every worker is started: the broadcasts made, for those to come. */
  private earlyBroadcasts: unknown[] | undefined;

  constructor(private readonly options: WorkerPoolOptions) {
    const initial = options.lazy ? 1 : options.workers;
    for (let i = 0; i < initial; i++) this.slots.push(this.start());
    if (initial < options.workers) this.earlyBroadcasts = [];
  }

  /** Starts the workers not started yet, given the broadcasts so far. */
  startRemaining(): void {
    const early = this.earlyBroadcasts;
    if (early === undefined || this.closed) return;
    this.earlyBroadcasts = undefined;
    while (this.slots.length < this.options.workers) {
      const slot = this.start();
      for (const payload of early) this.send(slot, { type: 'broadcast', payload });
      this.slots.push(slot);
    }
  }

  /** Posts `payload` to every worker, and to the workers `startRemaining` starts later. */
  broadcast(payload: unknown): void {
    if (this.closed) return;
    for (const slot of this.slots) this.send(slot, { type: 'broadcast', payload });
    this.earlyBroadcasts?.push(payload);
  }

  send(slot: WorkerSlot, message: MainToWorker): void {
    slot.worker.postMessage(message);
  }

  /** Stops the workers, letting each close its resources (5 s, then terminated). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.slots.map(async ({ worker }) => {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.postMessage({ type: 'close' } satisfies MainToWorker);
        const timeout = new Promise<'timeout'>((resolve) =>
          setTimeout(() => resolve('timeout'), 5000).unref(),
        );
        if ((await Promise.race([exited, timeout])) === 'timeout') await worker.terminate();
      }),
    );
  }

  private start(): WorkerSlot {
    const data: PoolWorkerData = {
      handlerModule: this.options.handlerModule.href,
      handlerOptions: this.options.handlerOptions,
    };
    const worker = spawnWorker(siblingModule(import.meta.url, 'pool-worker'), {
      workerData: data,
      // Flags of the main script (`--input-type`, `--eval`...) make no sense for a worker module.
      execArgv: process.execArgv.filter((a) => !/^--(input-type|eval|print)\b|^-[ep]$/.test(a)),
    });
    const slot: WorkerSlot = { worker, ready: false, inFlight: [] };
    worker.on('message', (m: WorkerToMain) => this.received(slot, m));
    worker.on('error', (error) => this.options.logger?.error(`local bus: worker crashed: ${error.message}`));
    worker.on('exit', (code) => this.exited(slot, code));
    return slot;
  }

  private received(slot: WorkerSlot, m: WorkerToMain): void {
    switch (m.type) {
      case 'ready':
        slot.ready = true;
        this.options.onReady();
        return;
      case 'init-failed':
        this.giveUp(new MetdbError('unavailable', `local bus: a worker could not start: ${m.error.message}`));
        return;
      case 'broadcast':
        for (const other of this.slots)
          if (other !== slot) this.send(other, { type: 'broadcast', payload: m.payload });
        return;
      default:
        this.options.onMessage(slot, m);
    }
  }

  private exited(slot: WorkerSlot, code: number): void {
    const index = this.slots.indexOf(slot);
    const inFlight = slot.inFlight;
    slot.inFlight = [];
    if (this.closed || index < 0) return;
    this.options.onExit(code, inFlight);
    if (!slot.ready && ++this.startFailures > 2 * this.options.workers) {
      this.giveUp(new MetdbError('unavailable', `local bus: workers exit before they start (code ${code})`));
    }
    if (this.fatal) return;
    this.options.logger?.warn(`local bus: worker exited with code ${code}; starting another`);
    this.slots[index] = this.start();
  }

  private giveUp(error: MetdbError): void {
    if (this.fatal) return;
    this.fatal = true;
    this.options.onFatal(error);
  }
}
