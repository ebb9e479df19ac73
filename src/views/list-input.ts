/** The inputs every list tool takes: a name search, a page size and the cursor of the previous page. */
import { z } from 'zod';

export const nameSearchInput = (what: string, max: number) =>
  z
    .string({ error: 'search must be a string' })
    .min(1, { error: 'search must not be empty; omit it to list all' })
    .max(max, { error: `search is longer than ${max} characters` })
    .optional()
    .describe(`Case-insensitive part of the ${what} name.`);

export const limitInput = z
  .number({ error: 'limit must be a number' })
  .int({ error: 'limit must be a whole number' })
  .min(1, { error: 'limit must be at least 1' })
  .max(100, { error: 'limit must be at most 100' })
  .default(20);

/** The id of the last item of the previous page (ids are `<prefix>_` and 32 hex digits). */
export const cursorInput = (prefix: string) =>
  z
    .string({ error: 'cursor must be the next_cursor string of a previous page' })
    .regex(new RegExp(`^${prefix}_[0-9a-f]{32}$`), { error: 'cursor must be the next_cursor value of a previous page' })
    .optional();
