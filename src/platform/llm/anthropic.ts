/**
 * What the Claude adapters share: the SDK client as this server must configure it, and the one
 * mapping of API failures to tool errors. The API key is only ever handed to the SDK.
 */
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { DomainError } from '../../domain/errors.js';

export interface AnthropicOptions {
  apiKey: string;
  baseURL?: string;
  timeoutMs: number;
  /** SDK retries of failed HTTP requests (5xx, connection errors); default 2. */
  maxRetries?: number;
}

export function anthropicClient(opts: AnthropicOptions): Anthropic {
  return new Anthropic({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL ?? null,
    timeout: opts.timeoutMs,
    maxRetries: opts.maxRetries ?? 2,
    // The default logger is console, which writes to stdout: forbidden under the stdio transport.
    logLevel: 'off',
  });
}

/** An API failure as a tool error with `hint`; a cancellation or anything unknown is returned as it is. */
export function claudeFailure(err: unknown, timeoutMs: number, hint: string): unknown {
  if (err instanceof APIUserAbortError) return err;
  if (err instanceof APIConnectionTimeoutError) return new DomainError('unavailable', `Claude did not answer within ${timeoutMs} ms`, hint);
  if (err instanceof APIConnectionError) return new DomainError('unavailable', 'Could not reach the Claude API (connection failed)', hint);
  if (err instanceof APIError) {
    const status = err.status;
    if (status === 401 || status === 403) return new DomainError('unavailable', `The Claude API refused the configured key (HTTP ${status})`, 'Check ANTHROPIC_API_KEY');
    if (status === 429) return new DomainError('unavailable', 'The Claude API is rate limiting this server (HTTP 429)', hint);
    return new DomainError('unavailable', `The Claude API failed (HTTP ${status ?? 'error'})`, hint);
  }
  return err;
}
