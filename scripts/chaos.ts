/**
 * `npm run chaos [-- --db sqlite|mariadb|both] [--quick] [--only NAME,...] [--timeout SECONDS]`:
 * the chaos suite of issue 20 on the emulator stack (see docs/reliability.md). Runs each scenario
 * (duplicates, functions killed, database outages, poison messages, bad inputs, a 1000-tile
 * load), waits for the stack to converge, and prints a table: rows before and after, jobs final,
 * duplicate rows, lost uploads, time to converge. Exit code 1 when a scenario does not hold.
 */
import { parseArgs } from 'node:util';
import { chaosTable, rowHolds, runChaos } from './chaos/run-chaos.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'both' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    timeout: { type: 'string', default: '300' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: npm run chaos -- [--db sqlite|mariadb|both] [--quick] [--only NAME,...] [--timeout SECONDS]\n',
  );
  process.exit(0);
}
const databases =
  values.db === 'both'
    ? (['sqlite', 'mariadb'] as const)
    : values.db === 'mariadb'
      ? (['mariadb'] as const)
      : (['sqlite'] as const);
if (!['both', 'sqlite', 'mariadb'].includes(values.db)) {
  process.stderr.write(`chaos: --db must be sqlite, mariadb or both, got ${values.db}\n`);
  process.exit(2);
}
// Exit handlers stop what the suite started (functions, the emulator's group, its MariaDB).
// One exit handler per function process and the emulator: more than the default 10.
process.setMaxListeners(50);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
const started = Date.now();
const rows = await runChaos({
  databases,
  quick: values.quick,
  ...(values.only === undefined ? {} : { only: values.only.split(',') }),
  timeoutMs: Number(values.timeout) * 1000,
  // Each row as soon as it is measured (the table's line), so a long run can be read as it goes.
  onRow: (r) => process.stderr.write(`${chaosTable([r]).split('\n')[2]}\n`),
});
process.stdout.write(
  `${chaosTable(rows)}\n\n${rows.length} scenario runs in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
);
process.exit(rows.every(rowHolds) ? 0 : 1);
