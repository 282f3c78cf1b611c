import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../cli/parse-command-args.js';
import { UsageError } from '../../cli/usage-error.js';
import { sweepCommand } from '../../cli/sweep-command.js';

const USAGE = 'usage: metdb thing <file> [--size N] [--json]';
const OPTIONS = {
  size: { type: 'string', default: '8' },
  json: { type: 'boolean', default: false },
} as const;

describe('parseCommandArgs', () => {
  it('returns the values and positionals, with defaults', () => {
    const lines: string[] = [];
    const parsed = parseCommandArgs(['a.tif', '--json'], OPTIONS, USAGE, (l) => lines.push(l));
    expect(parsed?.values).toMatchObject({ size: '8', json: true, help: false });
    expect(parsed?.positionals).toEqual(['a.tif']);
    expect(lines).toEqual([]);
  });

  it('prints the usage for --help and -h and returns null', () => {
    for (const flag of ['--help', '-h']) {
      const lines: string[] = [];
      expect(parseCommandArgs([flag], OPTIONS, USAGE, (l) => lines.push(l))).toBeNull();
      expect(lines).toEqual([USAGE]);
    }
  });

  it('turns an unknown option into a UsageError carrying the usage', () => {
    let thrown: unknown;
    try {
      parseCommandArgs(['--sise', '3'], OPTIONS, USAGE, () => {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).usage).toBe(USAGE);
    expect((thrown as UsageError).message).toMatch(/--sise/);
  });

  it('lets a command without positionals refuse one with a usage error', async () => {
    await expect(sweepCommand(['stray'], () => {})).rejects.toThrow(/unexpected argument "stray"/);
  });
});
