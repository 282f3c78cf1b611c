import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '@google-cloud/pubsub';
import { formatTileConfiguration } from '../../shared/stitching/format-tile-configuration.js';
import { gridLayout } from '../../shared/stitching/grid-layout.js';
import { badInputs } from './bad-inputs.js';
import { converge, rowCounts } from './chaos-measure.js';
import { CHAOS_FUNCTIONS, type ChaosStack, type ChaosTarget, type ChaosTopic } from './chaos-stack.js';
import type { OwnMariadb } from './own-mariadb.js';

export interface ChaosContext {
  readonly stack: ChaosStack;
  /** The MariaDB of the suite's own when the stack runs on it (database outages), else undefined. */
  readonly mariadb: OwnMariadb | undefined;
  /** Unique per scenario run: dataset names carry it. */
  readonly tag: string;
  /** Shorter faults and less data (CI). */
  readonly quick: boolean;
}

export interface ScenarioRun {
  /** Every object name announced: each must end with a final image row. */
  readonly uploads: readonly string[];
  /** Messages whose delivery the functions must have logged. */
  readonly messageIds?: readonly string[];
  /** What went wrong during the fault. */
  readonly problems?: readonly string[];
  /** Checks once the stack converged, returning what does not hold (e.g. rows a duplicate created). */
  readonly verify?: () => Promise<string[]>;
  /** One line on what was done. */
  readonly note: string;
}

export interface ChaosScenario {
  readonly name: string;
  /** Only on a MariaDB of the suite's own (the outage kills it). */
  readonly needsOwnMariadb?: boolean;
  /** Run it when the stack is quiet; it returns once its fault is over (convergence is measured after). */
  run(context: ChaosContext): Promise<ScenarioRun>;
}

const SERIES = 'test/fixtures/series';
const LOAD = 'samples/series';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Uploads a series (settings first, then its frames), returning the names announced. */
async function uploadSeries(
  stack: ChaosStack,
  dataset: string,
  settings: Record<string, unknown>,
  from = SERIES,
  frames = 5,
): Promise<string[]> {
  const names = [];
  await stack.upload(`${dataset}/metdb.json`, Buffer.from(JSON.stringify(settings)));
  for (let i = 0; i < frames; i++) {
    const file = `frame_${String(i).padStart(2, '0')}.tif`;
    await stack.upload(`${dataset}/${file}`, readFileSync(`${from}/${file}`));
    names.push(`${dataset}/${file}`);
  }
  return names;
}

const MIST = 'test/fixtures/stitching/mist';
/** Six of MIST's tiles (two columns of three, column order, about 6 % overlap): 7 edges. */
const MOSAIC_TILES = ['01', '02', '03', '06', '07', '08'].map((p) => `ImageName_t03_p${p}.tif`);

/** Uploads a 3 x 2 mosaic (its settings, its tiles, then its Fiji layout), returning the names announced. */
async function uploadMosaic(stack: ChaosStack, dataset: string): Promise<string[]> {
  const settings = { stitch: { layout: 'TileConfiguration.txt' } };
  await stack.upload(`${dataset}/metdb.json`, Buffer.from(JSON.stringify(settings)));
  const names = [];
  for (const file of MOSAIC_TILES) {
    await stack.upload(`${dataset}/${file}`, readFileSync(`${MIST}/${file}`));
    names.push(`${dataset}/${file}`);
  }
  const layout = gridLayout(MOSAIC_TILES, {
    rows: 3,
    columns: 2,
    width: 245,
    height: 183,
    overlapX: 0.06,
    order: 'column',
  });
  await stack.upload(`${dataset}/TileConfiguration.txt`, Buffer.from(formatTileConfiguration(layout)));
  return names;
}

const datasetId = async (stack: ChaosStack, name: string) =>
  (await stack.db.selectFrom('datasets').select('id').where('name', '=', name).executeTakeFirst())?.id;

/** Polls `check` every 50 ms until it holds or `timeoutMs` passed; whether it held. */
async function until(check: () => Promise<boolean>, timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
}

const tileCount = async (stack: ChaosStack) =>
  Number(
    (
      await stack.db
        .selectFrom('tile_results')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** Waits until `n` more tile results than `from` are recorded (the fault then strikes mid-run). */
async function untilTiles(stack: ChaosStack, from: number, n: number, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = (await tileCount(stack)) - from;
    if (now >= n || Date.now() > deadline) return now;
    await sleep(100);
  }
}

/** Pulls every message the tap of each topic holds until it stays empty for a second. */
async function drainTaps(stack: ChaosStack): Promise<{ topic: ChaosTopic; message: Message }[]> {
  const got: { topic: ChaosTopic; message: Message }[] = [];
  for (const { topic } of CHAOS_FUNCTIONS) {
    const sub = stack.topology.pubsub.subscription(`${stack.topics[topic]}-tap`);
    await new Promise<void>((resolve) => {
      let timer = setTimeout(resolve, 1500);
      sub.on('message', (message: Message) => {
        message.ack();
        got.push({ topic, message });
        clearTimeout(timer);
        timer = setTimeout(resolve, 1000);
      });
    });
    sub.removeAllListeners();
    await sub.close();
  }
  return got;
}

const SETTINGS = { reference: 'frame_00.tif', tileSize: 96, tileOverlap: 0.25, upsampleFactor: 20 };

function duplicates(times: number): ChaosScenario {
  return {
    name: `duplicates ${times}x`,
    run: async ({ stack, tag, quick }) => {
      await drainTaps(stack);
      const dataset = `dup${times}-${tag}`;
      const uploads = [
        ...(await uploadSeries(stack, dataset, SETTINGS, SERIES, quick ? 3 : 5)),
        ...(await uploadMosaic(stack, `dupmosaic${times}-${tag}`)),
      ];
      const first = await converge(stack, uploads, { timeoutMs: 300_000 });
      if (first.ms === null)
        return { uploads, problems: [`the first run did not converge: ${first.missing}`], note: '' };
      const id = await datasetId(stack, dataset);
      const request = {
        schemaVersion: 1,
        datasetId: id ?? dataset,
        params: { upsampleFactor: 10 },
        requestId: `r-${tag}`,
      };
      const reprocessId = await stack.publish('reprocess', Buffer.from(JSON.stringify(request)));
      // Converged once the reprocess was delivered and its jobs are final (not before it arrives).
      const second = await converge(stack, uploads, { timeoutMs: 300_000, messageIds: [reprocessId] });
      if (second.ms === null)
        return { uploads, problems: [`the reprocess did not converge: ${second.missing}`], note: '' };
      const before = await rowCounts(stack);
      const messages = await drainTaps(stack);
      const ids: string[] = [];
      for (let k = 1; k < times; k++) {
        ids.push(
          ...(await Promise.all(
            messages.map(({ topic, message }) => stack.publish(topic, message.data, message.attributes)),
          )),
        );
      }
      const byTopic = new Map<string, number>();
      for (const m of messages) byTopic.set(m.topic, (byTopic.get(m.topic) ?? 0) + 1);
      return {
        uploads,
        messageIds: ids,
        verify: async () => {
          const after = await rowCounts(stack);
          const keys = Object.keys(before) as (keyof typeof before)[];
          return keys
            .filter((k) => before[k] !== after[k])
            .map((k) => `${k} ${before[k]} -> ${after[k]} after the duplicates`);
        },
        note: `every message again ${times - 1}x (${[...byTopic].map(([t, n]) => `${t} ${n}`).join(', ')}): rows unchanged`,
      };
    },
  };
}

/**
 * When to strike each target, mid-run: registerTile once a few tiles of the series are recorded,
 * aggregate as soon as a job is aggregating, publishOutputs once its first output file of the
 * dataset is written (before its manifest), stitchEdge once a few items of the mosaic are
 * recorded, stitchSolve as soon as the mosaic is solving.
 */
async function strikeWhen(
  stack: ChaosStack,
  target: ChaosTarget,
  dataset: string,
  from: number,
): Promise<string> {
  const mosaic = () =>
    stack.db
      .selectFrom('mosaics')
      .innerJoin('datasets', 'datasets.id', 'mosaics.dataset_id')
      .select(['mosaics.state', 'mosaics.items_done'])
      .where('datasets.name', '=', dataset)
      .executeTakeFirst();
  const late = 'after 120 s (the moment was not seen)';
  switch (target) {
    case 'registerTile':
      return `at ${await untilTiles(stack, from, 6)} tiles`;
    case 'aggregate':
      return (await until(
        async () =>
          (await stack.db
            .selectFrom('jobs')
            .select('id')
            .where('state', '=', 'aggregating')
            .executeTakeFirst()) !== undefined,
      ))
        ? 'while a job was aggregating'
        : late;
    case 'publishOutputs':
      return (await until(async () => {
        const id = await datasetId(stack, dataset);
        return id !== undefined && existsSync(join(stack.folder, 'outputs', id));
      }))
        ? 'once its first output file was written'
        : late;
    case 'stitchEdge':
      return (await until(async () => ((await mosaic())?.items_done ?? 0) >= 2))
        ? `at ${(await mosaic())?.items_done} mosaic items`
        : late;
    case 'stitchSolve':
      return (await until(async () => (await mosaic())?.state === 'solving', 180_000))
        ? 'while the mosaic was solving'
        : late;
    default:
      return late;
  }
}

/** kill -9 of a function mid-run (`strikeWhen`), restarted on the same port after `downMs`. */
function kill(target: ChaosTarget, downMs: number, quickDownMs: number): ChaosScenario {
  return {
    name: `${target} killed`,
    run: async ({ stack, tag, quick }) => {
      const from = await tileCount(stack);
      const dataset = `kill-${target}-${tag}`;
      const uploads = target.startsWith('stitch')
        ? await uploadMosaic(stack, dataset)
        : await uploadSeries(stack, dataset, { ...SETTINGS, tileSize: 64 }, SERIES, quick ? 3 : 5);
      const when = await strikeWhen(stack, target, dataset, from);
      await stack.kill(target);
      const down = quick ? quickDownMs : downMs;
      await sleep(down);
      await stack.restart(target);
      return { uploads, note: `kill -9 ${when}, restarted ${down / 1000} s later` };
    },
  };
}

function databaseDown(seconds: number): ChaosScenario {
  return {
    name: `database down ${seconds} s`,
    needsOwnMariadb: true,
    run: async ({ stack, mariadb, tag }) => {
      if (mariadb === undefined) throw new Error("needs the suite's own MariaDB");
      const from = await tileCount(stack);
      const dataset = `dbdown${seconds}-${tag}`;
      const uploads = await uploadSeries(stack, dataset, { ...SETTINGS, tileSize: 64 }, SERIES, 3);
      const seen = await untilTiles(stack, from, 6);
      await mariadb.kill();
      // Uploads arrive while the database is down: their ingests fail until it is back.
      for (const file of ['frame_03.tif', 'frame_04.tif']) {
        await stack.upload(`${dataset}/${file}`, readFileSync(`${SERIES}/${file}`));
        uploads.push(`${dataset}/${file}`);
      }
      await sleep(seconds * 1000);
      await mariadb.start();
      return {
        uploads,
        note: `mariadbd killed at ${seen} tiles, 2 frames uploaded while down, back ${seconds} s later`,
      };
    },
  };
}

const POISON: readonly { data: string; attributes?: Record<string, string> }[] = [
  { data: 'not json at all' },
  { data: '{}' },
  { data: '{"schemaVersion":999,"jobId":"x"}' },
  { data: '[1,2,3]' },
  {
    data: '{"kind":"storage#object"}',
    attributes: {
      eventType: 'OBJECT_FINALIZE',
      payloadFormat: 'JSON_API_V1',
      bucketId: 'nowhere',
      objectId: '',
    },
  },
];

const poison: ChaosScenario = {
  name: 'poison messages',
  run: async ({ stack }) => {
    const ids: string[] = [];
    for (const { topic } of CHAOS_FUNCTIONS) {
      for (const p of POISON) ids.push(await stack.publish(topic, Buffer.from(p.data), p.attributes));
    }
    return {
      uploads: [],
      messageIds: ids,
      note: `${POISON.length} malformed messages on each of ${CHAOS_FUNCTIONS.length} topics`,
    };
  },
};

const bad: ChaosScenario = {
  name: 'bad inputs',
  run: async ({ stack, tag }) => {
    const dataset = `bad-${tag}`;
    const reference = readFileSync(`${SERIES}/frame_00.tif`);
    await stack.upload(`${dataset}/metdb.json`, Buffer.from(JSON.stringify({ reference: 'frame_00.tif' })));
    await stack.upload(`${dataset}/frame_00.tif`, reference);
    const inputs = badInputs(dataset, reference);
    for (const input of inputs) await stack.upload(input.name, input.bytes);
    return {
      uploads: [`${dataset}/frame_00.tif`, ...inputs.map((i) => i.name)],
      note: `${inputs.length} hostile or odd uploads beside a good reference`,
    };
  },
};

const load: ChaosScenario = {
  name: 'load 1000+ tiles',
  run: async ({ stack, tag, quick }) => {
    const frames = quick ? 3 : 8;
    const uploads = await uploadSeries(
      stack,
      `load-${tag}`,
      { reference: 'frame_00.tif', tileSize: 32, tileOverlap: 0, upsampleFactor: 10 },
      LOAD,
      frames,
    );
    return { uploads, note: `${frames} frames of 347x647 in 32 px tiles (200 a frame)` };
  },
};

/**
 * The suite, in order. Quick runs (CI) take the ones marked `quick`. A new topic in
 * `CHAOS_FUNCTIONS` is covered by the duplicates and poison scenarios without a change here.
 */
export const CHAOS_SCENARIOS: readonly (ChaosScenario & { quick?: boolean })[] = [
  { ...duplicates(2), quick: true },
  duplicates(5),
  { ...kill('registerTile', 14_500, 2000), quick: true },
  kill('aggregate', 10_000, 2000),
  kill('publishOutputs', 10_000, 2000),
  kill('stitchEdge', 10_000, 2000),
  kill('stitchSolve', 10_000, 2000),
  databaseDown(10),
  databaseDown(60),
  { ...poison, quick: true },
  { ...bad, quick: true },
  load,
];
