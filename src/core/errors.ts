// Errors raised by the pure core. They carry the card field they are about; the loading layer
// prefixes the file name and the CLI turns them into one line with exit code 2.
export class CalcError extends Error {
  constructor(
    /** dotted field path inside a card or option name (e.g. "architecture.moe.top_k", "--context") */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'CalcError';
  }
}

export function isCalcError(e: unknown): e is CalcError {
  return e instanceof Error && e.name === 'CalcError' && typeof (e as CalcError).field === 'string';
}
