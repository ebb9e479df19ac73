/**
 * Bulk load into PostgreSQL with COPY FROM STDIN (text format), in one transaction. Each table is
 * its own COPY on the same connection; rows are pure functions of the seed, so the population is
 * generated once per table rather than held in memory. Generation and encoding run on a worker
 * thread for large seeds (see batches.ts), in parallel with the server ingesting the previous
 * chunk.
 *
 * As PostgreSQL's docs advise for bulk loads, the tables' indexes (all but those behind
 * constraints) are dropped inside the transaction and built again at the end with more
 * maintenance_work_mem: measured 1.3x faster than maintaining them row by row at 1M events, more
 * beyond. The drop locks the three tables against other sessions until the load commits, and the
 * rebuild covers other workspaces' rows too.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Sql, TransactionSql } from 'postgres';
import { encodedBatches, type EncodeJob, type EncodedBatch } from './batches.js';
import type { SeedSpec } from './generate.js';
import { EVENT_COLUMNS, SUMMARY_COLUMNS, USER_COLUMNS } from './rows.js';
import { WORKSPACE_TABLES, alreadySeeded, type LoadOptions, type LoadResult } from './load-common.js';

/** Text waiting in the COPY stream before generation pauses: enough to keep both cores busy. */
const MAX_BUFFERED_BYTES = 8 << 20;
/** Sort memory for the index builds (kB), set for this transaction only and never lowered. */
const INDEX_BUILD_MEMORY_KB = 512 * 1024;
const LOADED_TABLES = ['users', 'events', 'user_event_summary'];

export async function loadPg(sql: Sql, spec: SeedSpec, opts: LoadOptions): Promise<LoadResult> {
  const ws = spec.workspaceId;
  const result: LoadResult = { users: 0, events: 0, summaries: 0 };
  await sql.begin(async (tx) => {
    // Drizzle replaces postgres.js's timestamp serializers on this client, so dates go as ISO text.
    const created = spec.now.toISOString();
    await tx`insert into workspaces (id, name, created_at) values (${ws}, ${ws}, ${created}) on conflict do nothing`;
    const [existing] = await tx<{ n: number }[]>`select count(*)::int as n from users where workspace_id = ${ws}`;
    const n = existing?.n ?? 0;
    if (n > 0 && !opts.reset) throw alreadySeeded(ws, n);
    if (opts.reset) for (const table of WORKSPACE_TABLES) await tx.unsafe(`delete from ${table} where workspace_id = $1`, [ws]);
    await tx`set local synchronous_commit = off`;
    await tx`select set_config('maintenance_work_mem', greatest(setting::int, ${INDEX_BUILD_MEMORY_KB}) || 'kB', true)
      from pg_settings where name = 'maintenance_work_mem'`;
    const rebuild = await tx<{ name: string; def: string }[]>`
      select i.indexname as name, i.indexdef as def from pg_indexes i
      where i.schemaname = current_schema() and i.tablename in ${tx(LOADED_TABLES)}
        and not exists (select 1 from pg_constraint c where c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`;
    for (const index of rebuild) await tx.unsafe(`drop index "${index.name}"`);
    const [backend] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const pid = backend?.pid ?? 0;

    const pass = (job: EncodeJob, table: string, columns: readonly string[], key: keyof EncodedBatch['data']) =>
      copy(tx, sql, pid, table, columns, async function* () {
        for await (const batch of encodedBatches(spec, job, opts)) {
          result[key] += batch.counts[key];
          opts.onProgress?.({ users: result.users, events: result.events });
          const bytes = batch.data[key];
          if (bytes.byteLength > 0) yield Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        }
      });
    await pass('pg-users', 'users', USER_COLUMNS, 'users');
    await pass('pg-events', 'events', EVENT_COLUMNS, 'events');
    await pass('pg-summaries', 'user_event_summary', SUMMARY_COLUMNS, 'summaries');
    for (const index of rebuild) await tx.unsafe(index.def);
    await tx.unsafe('analyze users, events, user_event_summary');
  });
  return result;
}

/** COPY FROM STDIN of `chunks` into `table`, with backpressure; settles even when postgres.js would not. */
export async function copy(
  tx: TransactionSql,
  sql: Sql,
  pid: number,
  table: string,
  columns: readonly string[],
  chunks: () => AsyncIterable<Buffer>,
): Promise<void> {
  const w: Writable = await tx.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable();
  const done = new Promise<void>((resolve, reject) => {
    w.once('finish', resolve);
    w.once('error', reject);
  });
  done.catch(() => {}); // observed below; this only keeps an early failure from counting as unhandled
  try {
    for await (const chunk of chunks()) {
      if (w.errored) break;
      w.write(chunk);
      if (w.writableLength > MAX_BUFFERED_BYTES) await Promise.race([once(w, 'drain'), done]);
    }
    if (!w.errored) w.end();
  } catch (err) {
    w.destroy(err as Error);
    throw err;
  }
  await settled(done, sql, pid, table);
}

/**
 * Waits for the COPY to finish. postgres.js never settles a COPY writable whose server error
 * arrives after end() (porsager/postgres#1173), so the wait also watches the backend: a COPY in
 * progress is 'active'; a backend idle for three polls while the stream is still open has failed.
 */
async function settled(done: Promise<void>, sql: Sql, pid: number, table: string): Promise<void> {
  let idlePolls = 0;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise<'tick'>((resolve) => (timer = setTimeout(() => resolve('tick'), 1000)));
    const first = await Promise.race([done.then(() => 'done' as const), tick]).finally(() => clearTimeout(timer));
    if (first === 'done') return;
    // With a pool of one this query waits for our own transaction, hence the race with `done`.
    const poll = sql<{ state: string | null }[]>`select state from pg_stat_activity where pid = ${pid}`.then(
      (rows) => rows[0]?.state ?? null,
    );
    poll.catch(() => {});
    const state = await Promise.race([done.then(() => 'done' as const), poll]);
    if (state === 'done') return;
    idlePolls = state === 'active' ? 0 : idlePolls + 1;
    if (idlePolls >= 3) {
      throw new Error(`COPY into ${table} failed on the server without a reply to the client (backend state '${state}'); nothing was committed`);
    }
  }
}
