/**
 * The few SQL fragments that differ between SQLite and PostgreSQL in segment queries: reading a
 * typed value out of a JSON column. Keys are validated identifiers and still travel as bound
 * parameters, never as SQL text.
 *
 * Semantics shared by both dialects (and by the reference evaluator in the tests): a number
 * compares only with JSON numbers, a string only with JSON strings, a boolean only with JSON
 * booleans; a missing key or a value of another type never matches a comparison.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AnyColumn } from 'drizzle-orm';

export type Dialect = 'sqlite' | 'postgres';

export interface JsonAccess {
  /** The JSON value's type name: 'number' | 'string' | 'boolean' | 'null' | 'object' | 'array', or NULL when absent. */
  type(col: AnyColumn, key: string): SQL;
  /** The value as a number when it is a JSON number, else NULL. */
  number(col: AnyColumn, key: string): SQL;
  /** The value as text when it is a JSON string, else NULL. */
  string(col: AnyColumn, key: string): SQL;
  /** The value as 1/0 when it is a JSON boolean, else NULL. */
  boolean(col: AnyColumn, key: string): SQL;
}

const sqliteJson: JsonAccess = {
  type: (col, key) =>
    sql`(case json_type(${col}, ${`$.${key}`}) when 'integer' then 'number' when 'real' then 'number' when 'text' then 'string' when 'true' then 'boolean' when 'false' then 'boolean' else json_type(${col}, ${`$.${key}`}) end)`,
  number: (col, key) =>
    sql`(case when json_type(${col}, ${`$.${key}`}) in ('integer', 'real') then json_extract(${col}, ${`$.${key}`}) end)`,
  string: (col, key) => sql`(case when json_type(${col}, ${`$.${key}`}) = 'text' then json_extract(${col}, ${`$.${key}`}) end)`,
  boolean: (col, key) =>
    sql`(case json_type(${col}, ${`$.${key}`}) when 'true' then 1 when 'false' then 0 end)`,
};

const pgJson: JsonAccess = {
  type: (col, key) => sql`jsonb_typeof(${col} -> ${key}::text)`,
  number: (col, key) => sql`(case when jsonb_typeof(${col} -> ${key}::text) = 'number' then (${col} ->> ${key}::text)::double precision end)`,
  string: (col, key) => sql`(case when jsonb_typeof(${col} -> ${key}::text) = 'string' then ${col} ->> ${key}::text end)`,
  boolean: (col, key) =>
    sql`(case when jsonb_typeof(${col} -> ${key}::text) = 'boolean' then (case when (${col} ->> ${key}::text) = 'true' then 1 else 0 end) end)`,
};

export const jsonAccess = (dialect: Dialect): JsonAccess => (dialect === 'sqlite' ? sqliteJson : pgJson);

/** Two-argument minimum/maximum: min()/max() in SQLite, least()/greatest() in PostgreSQL. */
export function least(dialect: Dialect, a: SQL | AnyColumn, b: SQL | AnyColumn): SQL {
  return dialect === 'sqlite' ? sql`min(${a}, ${b})` : sql`least(${a}, ${b})`;
}

export function greatest(dialect: Dialect, a: SQL | AnyColumn, b: SQL | AnyColumn): SQL {
  return dialect === 'sqlite' ? sql`max(${a}, ${b})` : sql`greatest(${a}, ${b})`;
}
