/**
 * Expected failures: returned to MCP clients as `isError: true` with a message the model can act
 * on. `code` is stable for programs; `hint` says how to fix it. Anything that is not a DomainError
 * is a bug: logged with context and surfaced as a generic internal error.
 */
export type DomainErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'invalid_transition'
  | 'conflict'
  | 'forbidden'
  | 'unavailable';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }

  /** The text shown to the client: the problem, then what to do about it. */
  toUserText(): string {
    return this.hint ? `${this.message}. ${this.hint}` : this.message;
  }
}

export const notFound = (what: string, id: string, hint?: string) =>
  new DomainError('not_found', `${what} '${id}' not found`, hint);

export const invalidInput = (message: string, hint?: string) => new DomainError('invalid_input', message, hint);

/**
 * The message to show a client for an expected failure, or null for a bug. Besides DomainError,
 * adapters mark errors whose message is safe to show (no secret, no raw upstream body) with
 * `exposeMessage = true`, e.g. a platform service that is down.
 */
export function userFacingMessage(err: unknown): string | null {
  if (err instanceof DomainError) return err.toUserText();
  if (err instanceof Error && (err as { exposeMessage?: unknown }).exposeMessage === true) return err.message;
  return null;
}
