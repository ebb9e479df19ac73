/**
 * The data platform's intelligent query (contracts section 11): a natural-language question answered
 * with rows that carry `user_id`. It yields an audience, not rules, so it is exposed as a function
 * returning user ids rather than as a SegmentInterpreter (the rules AST has no "user id in" condition).
 */
import { z } from 'zod';
import type { PlatformClient } from './client.js';

const queryResponse = z.object({
  data: z.array(z.looseObject({ user_id: z.union([z.string(), z.number()]).nullish() })),
});

/**
 * The distinct user ids, in the order returned, of the rows answering `description`. `callerId` is
 * the `user_id` the service attributes the query to; internal callers count as `internal-service`.
 * POST, so it is not retried.
 */
export async function queryAudience(client: PlatformClient, description: string, maxRows: number, callerId = 'internal-service'): Promise<string[]> {
  const r = await client.post('/query', { query: description, user_id: callerId, max_rows: maxRows }, queryResponse);
  const ids = new Set<string>();
  for (const row of r.data) {
    if (row.user_id != null && row.user_id !== '') ids.add(String(row.user_id));
    if (ids.size >= maxRows) break;
  }
  return [...ids];
}
