import { v7 } from 'uuid';

/**
 * A new id like `cmp_01939c5a7d2b7c3e8f...`: a prefix naming the kind, then a UUIDv7 without
 * dashes. v7 ids sort by creation time, so "newest first" and cursor pagination can order by id.
 */
export function newId(prefix: string): string {
  return `${prefix}_${v7().replaceAll('-', '')}`;
}
