/**
 * LIKE patterns built from user text, with the text's own % _ and \ taken literally (ESCAPE '\').
 * Both dialects accept this form.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AnyColumn } from 'drizzle-orm';

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** Case-insensitive "contains". */
export function containsText(col: AnyColumn | SQL, needle: string): SQL {
  return sql`lower(${col}) like ${`%${escapeLike(needle.toLowerCase())}%`} escape '\\'`;
}

/** Case-sensitive "starts with" (ids for completion). */
export function startsWith(col: AnyColumn | SQL, prefix: string): SQL {
  return sql`${col} like ${`${escapeLike(prefix)}%`} escape '\\'`;
}
