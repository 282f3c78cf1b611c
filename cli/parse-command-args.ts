import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const;

type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O & typeof HELP; allowPositionals: true; strict: true }>
>;

/**
 * Every command's argument parsing: `node:util` parseArgs with `--help`/`-h` added; a parse error
 * becomes a UsageError with the command's usage. Returns null when the usage was printed for
 * `--help`, so a command ends with exit code 0.
 */
export function parseCommandArgs<O extends ParseArgsOptionsConfig>(
  args: string[],
  options: O,
  usage: string,
  out: (line: string) => void,
): Parsed<O> | null {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args, options: { ...options, ...HELP }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, usage);
  }
  if ((parsed.values as { help?: boolean }).help === true) {
    out(usage);
    return null;
  }
  return parsed;
}
