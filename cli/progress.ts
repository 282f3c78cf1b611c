import type { RunProgress } from '../local/run-folder.js';

export interface ProgressOptions {
  /** Where progress goes. @default process.stderr */
  stream?: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** 'bar': one line redrawn in place (a terminal); 'lines': a plain line per step; 'none'. @default bar on a TTY, else lines */
  mode?: 'bar' | 'lines' | 'none';
  /** Smallest interval between two redraws of the bar, ms. @default 100 */
  intervalMs?: number;
}

export interface Progress {
  update(progress: RunProgress): void;
  /** Ends the bar's line. */
  finish(): void;
}

/**
 * Progress of a run: on a terminal a bar (tiles done of total, tiles per second, ETA, files
 * ingested), redrawn at most every 100 ms; elsewhere plain lines (every file ingested, every 10 %
 * of the tiles, the phases); nothing in mode 'none' (`--json`).
 */
export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const mode = options.mode ?? (stream.isTTY === true ? 'bar' : 'lines');
  const intervalMs = options.intervalMs ?? 100;
  let lastDraw = 0;
  let drawn = false;
  let lastDecile = -1;
  let lastFiles = -1;
  let lastPhase = '';
  return {
    update(p) {
      if (mode === 'none') return;
      if (mode === 'bar') {
        const now = Date.now();
        if (now - lastDraw < intervalMs && p.phase === 'register') return;
        lastDraw = now;
        const width = Math.max(40, Math.min(120, stream.columns ?? 80));
        stream.write(`\r${barLine(p, width)}\x1b[K`);
        drawn = true;
        return;
      }
      if (p.filesDone !== lastFiles && p.phase === 'register') {
        lastFiles = p.filesDone;
        stream.write(`ingested ${p.filesDone}/${p.filesTotal} files, ${p.tilesTotal} tiles planned\n`);
      }
      const decile = p.tilesTotal === 0 ? 0 : Math.floor((10 * p.tilesDone) / p.tilesTotal);
      if (
        p.phase === 'register' &&
        decile !== lastDecile &&
        p.tilesDone > 0 &&
        p.filesDone === p.filesTotal
      ) {
        lastDecile = decile;
        stream.write(`${statusText(p)}\n`);
      }
      if (p.phase !== lastPhase && p.phase !== 'register') {
        stream.write(p.phase === 'outputs' ? 'writing outputs\n' : `done in ${seconds(p.elapsedMs)}\n`);
      }
      lastPhase = p.phase;
    },
    finish() {
      if (mode === 'bar' && drawn) stream.write('\n');
    },
  };
}

/** `[#######.......]  120/196 tiles  14.2 tiles/s  ETA 5 s  files 8/8`, fitted to `width` columns. */
export function barLine(p: RunProgress, width: number): string {
  const status = `  ${statusText(p)}`;
  const barWidth = Math.max(10, width - status.length - 3);
  const fraction = p.tilesTotal === 0 ? 0 : Math.min(1, p.tilesDone / p.tilesTotal);
  const filled = Math.round(fraction * barWidth);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${status}`.slice(0, width - 1);
}

/** `120/196 tiles  14.2 tiles/s  ETA 5 s  files 8/8` (ETA once the rate is known). */
export function statusText(p: RunProgress): string {
  const rate = p.elapsedMs > 0 ? (1000 * p.tilesDone) / p.elapsedMs : 0;
  const left = p.tilesTotal - p.tilesDone;
  const eta = rate > 0 && p.filesDone === p.filesTotal ? `  ETA ${seconds((1000 * left) / rate)}` : '';
  const phase = p.phase === 'register' ? '' : `  (${p.phase === 'outputs' ? 'writing outputs' : 'done'})`;
  return `${p.tilesDone}/${p.tilesTotal} tiles  ${rate.toFixed(1)} tiles/s${eta}  files ${p.filesDone}/${p.filesTotal}${phase}`;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
