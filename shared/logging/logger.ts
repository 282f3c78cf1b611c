import { formatLogEntry, type LogFields, type Severity } from './log-entry.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (later fields win). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /**
   * Lowest level written.
   * @default process.env.METDB_LOG_LEVEL, else 'silent' under vitest (VITEST set), else 'info'
   */
  level?: LogLevel;
  /** Where lines go (one call per line, newline included). @default process.stdout.write */
  write?: (line: string) => void;
  /** Fields on every line. @default {} */
  fields?: LogFields;
  /** The clock. @default () => new Date() */
  now?: () => Date;
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
const SEVERITY: Readonly<Record<Exclude<LogLevel, 'silent'>, Severity>> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
};

/** The level from `METDB_LOG_LEVEL`, quiet under vitest unless that variable is set. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const named = env.METDB_LOG_LEVEL?.toLowerCase();
  if (named !== undefined && named in RANK) return named as LogLevel;
  return env.VITEST ? 'silent' : 'info';
}

/** A tiny structured logger writing Cloud Logging JSON lines (see log-entry.ts). No dependency. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? logLevelFromEnv();
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const now = options.now ?? (() => new Date());
  const make = (base: LogFields): Logger => {
    const log = (at: Exclude<LogLevel, 'silent'>) => (message: string, fields?: LogFields) => {
      if (RANK[at] < RANK[level]) return;
      write(`${formatLogEntry(SEVERITY[at], message, { ...base, ...fields }, now())}\n`);
    };
    return {
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(options.fields ?? {});
}

/** The process-wide logger of the functions and the CLI. */
export const logger: Logger = createLogger();
