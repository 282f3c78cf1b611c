/**
 * A command-line mistake: printed with the command's usage (or alone, as one line, when `usage`
 * is null: a missing input folder needs no manual), exit code 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly usage: string | null,
  ) {
    super(message);
  }
}
