import { pino } from 'pino';
import type { Logger } from './domain/ports.js';

/**
 * Logs go to stderr (fd 2): under the stdio transport stdout belongs to the protocol. Known
 * secret-bearing fields are redacted wherever they appear.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { svc: 'agentic-campaign' },
      redact: {
        paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'apiKey', '*.apiKey', 'secret', '*.secret'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything (tests that do not care about logs). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
