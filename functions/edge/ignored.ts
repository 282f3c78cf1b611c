/** What a parser returns for a well-formed event that needs no work (acknowledged, logged at INFO). */
export interface Ignored {
  readonly ignored: true;
  readonly reason: string;
}

export function ignored(reason: string): Ignored {
  return { ignored: true, reason };
}

export function isIgnored(value: unknown): value is Ignored {
  return typeof value === 'object' && value !== null && (value as { ignored?: unknown }).ignored === true;
}
