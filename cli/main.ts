#!/usr/bin/env node
/**
 * The `metdb` command. Each subcommand lives in its own file; this one dispatches and turns every
 * failure into one readable line and an exit code (never a stack trace):
 * 0 done, 1 failed (bad file, database down...), 2 bad usage.
 */
import { isMetdbError } from '../shared/errors/metdb-error.js';
import { migrateCommand } from './migrate.js';
import { packageVersion } from './package-version.js';
import { registerCommand } from './register-command.js';
import { UsageError } from './usage-error.js';

const USAGE = `usage: metdb <command> [options]

commands:
  run <folder> [--out DIR]        register every image of a folder: records, shifts, images, QC report
  watch <folder>                  process files as they are dropped into a folder
  register <reference> <moving>   register one pair of images and print the shift
  drift <localisations.csv> --out DIR   drift of a localisation table (RCC), and the corrected table
  quality <A> [<B>] [--box ...]   quality metrics: ncc, nsad, mi, snr, FRC of a pair; snr of one image
  convert <in> <out> [--uint8]    z binning and 8-bit conversion (toolkit thresholds), to MRC or TIFF
  align <stack> <out> [--model M] frame-to-frame alignment of a stack (affine...), to MRC or TIFF
  stitch <folder> --out DIR       stitch a mosaic of tiles (Fiji layout or grid): positions, mosaic, report
  migrate [--db URL]              apply the database migrations (MySQL URL or SQLite path)
  sweep [--stalled-after S]       re-drive stalled jobs now (the cloud's scheduled sweep, on demand)
  dead-letters [--job ID]         list the messages that exhausted their deliveries, and why
  dev [--folder DIR] [--db URL]   run the cloud stack locally: emulator, functions, a folder as bucket
  serve <OUT> | --db URL          a read-only web page and JSON API of datasets, images, jobs, reports

Run "metdb <command> --help" for a command's options, "metdb --version" for the version.`;

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'register':
      return registerCommand(args, out);
    case 'align':
      return (await import('./align-command.js')).alignCommand(args, out);
    case 'convert':
      return (await import('./convert-command.js')).convertCommand(args, out);
    case 'quality':
      return (await import('./quality-command.js')).qualityCommand(args, out);
    case 'migrate':
      return migrateCommand(args, { out, err });
    case 'sweep':
      return (await import('./sweep-command.js')).sweepCommand(args, out);
    case 'dead-letters':
      return (await import('./dead-letters-command.js')).deadLettersCommand(args, out);
    case 'drift':
      return (await import('./drift-command.js')).driftCommand(args, out);
    case 'run':
      return (await import('./run-command.js')).runCommand(args, out);
    case 'stitch':
      return (await import('./stitch-command.js')).stitchCommand(args, out);
    case 'watch':
      return (await import('./watch-command.js')).watchCommand(args, out);
    case 'serve':
      return (await import('./serve-command.js')).serveCommand(args, out);
    case 'dev':
      // Loaded on demand: it pulls in the Pub/Sub client and the local stack.
      return (await import('./dev-command.js')).devCommand(args, out);
    case '--version':
    case '-V':
      out(`metdb ${packageVersion()}`);
      return 0;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`, USAGE);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    err(`metdb: ${error.message}${error.usage === null ? '' : `\n\n${error.usage}`}`);
    process.exitCode = 2;
  } else if (isMetdbError(error)) {
    err(`metdb: ${error.message}`);
    process.exitCode = 1;
  } else {
    err(`metdb: unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env['METDB_DEBUG']) console.error(error);
    process.exitCode = 1;
  }
}
