/** The send ledger on PostgreSQL: multi-row inserts and array-parameter updates, one round trip per kind. */
import type { LedgerOutcome, LedgerRepo, RangeQuery } from '../../domain/delivery/ports.js';
import type { Executor } from '../executor.js';
import { newId } from '../ids.js';
import { DUE_COLUMNS, historyEntry, OPEN_SQL, toDue, type DueRow } from './ledger-sql.js';

/** drizzle's postgres-js driver passes timestamps through unserialized: give PostgreSQL ISO strings. */
const iso = (d: Date) => d.toISOString();

export function pgLedger(x: Executor): LedgerRepo {
  if (x.raw.dialect !== 'postgres') throw new Error('postgres executor expected');
  const sql = x.raw.sql;
  const open = sql.unsafe(OPEN_SQL);
  const dueColumns = sql.unsafe(DUE_COLUMNS);
  /** Range bounds as fragments: the database's own collation orders ids, exactly as segment paging does. */
  const inRange = (r: RangeQuery, col: string) =>
    sql`${r.afterUserId === null ? sql`` : sql`AND ${sql(col)} > ${r.afterUserId}`} ${r.throughUserId === null ? sql`` : sql`AND ${sql(col)} <= ${r.throughUserId}`}`;

  return {
    due: async (ws, range, now, limit) => {
      const rows = await sql<DueRow[]>`
        SELECT ${dueColumns}, u.traits->>'webhook_url' AS webhook_url,
               (SELECT string_agg(s.channel, ',') FROM suppressions s WHERE s.workspace_id = m.workspace_id AND s.user_id = m.user_id) AS suppressed
        FROM messages m LEFT JOIN users u ON u.workspace_id = m.workspace_id AND u.id = m.user_id
        WHERE m.workspace_id = ${ws} AND m.campaign_id = ${range.campaignId} AND m.step_key = ${range.stepKey}
          ${inRange(range, 'm.user_id')} AND m.status IN ${open} AND m.scheduled_for <= ${iso(now)}
        ORDER BY m.user_id LIMIT ${limit}`;
      return rows.map(toDue);
    },
    nextDue: async (ws, range) => {
      const [r] = await sql<{ at: Date | null }[]>`
        SELECT min(scheduled_for) AS at FROM messages
        WHERE workspace_id = ${ws} AND campaign_id = ${range.campaignId} AND step_key = ${range.stepKey}
          ${inRange(range, 'user_id')} AND status IN ${open}`;
      return r?.at ? new Date(r.at) : null;
    },
    recentSends: async (ws, userIds, since) => {
      const out = new Map<string, Date[]>();
      if (userIds.length === 0) return out;
      const rows = await sql<{ u: string; at: Date }[]>`
        SELECT user_id AS u, coalesce(sent_at, updated_at) AS at FROM messages
        WHERE workspace_id = ${ws} AND user_id = ANY(${userIds as string[]}::text[])
          AND status IN ('sending', 'sent', 'delivered') AND coalesce(sent_at, updated_at) >= ${iso(since)}::timestamptz`;
      for (const r of rows) out.set(r.u, [...(out.get(r.u) ?? []), new Date(r.at)]);
      return out;
    },
    record: async (ws, outcomes, now, actor) => {
      if (outcomes.length === 0) return;
      await sql.begin(async (tx) => {
        for (const [kind, group] of groupByKind(outcomes)) {
          const ids = group.map((o) => o.id);
          const h = group.map((o) => historyEntry(o, now, actor));
          const entries = h.map((e) => e.entry);
          const statuses = h.map((e) => e.status);
          const where = tx`WHERE m.workspace_id = ${ws} AND m.id = d.id AND m.status IN ${open}`;
          const hist = tx`status_history = m.status_history || jsonb_build_array(d.entry::jsonb), updated_at = ${iso(now)}`;
          if (kind === 'sent') {
            const s = group as Extract<LedgerOutcome, { kind: 'sent' }>[];
            await tx`UPDATE messages m SET status = d.status, provider = d.provider, provider_message_id = d.pmid, error = NULL, sent_at = ${iso(now)},
                       delivered_at = CASE WHEN d.status = 'delivered' THEN ${iso(now)}::timestamptz END, ${hist}
                     FROM unnest(${ids}::text[], ${entries}::text[], ${statuses}::text[], ${s.map((o) => o.provider)}::text[],
                                 ${s.map((o) => o.providerMessageId)}::text[]) AS d(id, entry, status, provider, pmid)
                     ${where}`;
          } else if (kind === 'retry' || kind === 'recheck' || kind === 'defer') {
            const at = group.map((o) => (o.kind === 'retry' || o.kind === 'recheck' ? o.retryAt : o.kind === 'defer' ? o.until : now).toISOString());
            const reason = group.map((o) => (o.kind === 'retry' || o.kind === 'recheck' ? o.error : null));
            await tx`UPDATE messages m SET status = d.status, scheduled_for = d.at::timestamptz, error = coalesce(d.reason, m.error),
                       credits = CASE WHEN d.status = 'sending' THEN m.credits ELSE 0 END, ${hist}
                     FROM unnest(${ids}::text[], ${entries}::text[], ${statuses}::text[], ${at}::text[], ${reason}::text[])
                          AS d(id, entry, status, at, reason)
                     ${where}`;
          } else {
            const reason = group.map((o) => ('reason' in o ? o.reason : 'error' in o ? o.error : ''));
            await tx`UPDATE messages m SET status = d.status, error = d.reason, credits = 0, ${hist}
                     FROM unnest(${ids}::text[], ${entries}::text[], ${statuses}::text[], ${reason}::text[]) AS d(id, entry, status, reason)
                     ${where}`;
          }
        }
      });
    },
    claim: async (ws, claims, now, staleAt, actor) => {
      if (claims.length === 0) return new Set();
      const entry = JSON.stringify({ status: 'sending', at: now.toISOString(), by: actor });
      const rows = await sql<{ id: string }[]>`
        UPDATE messages m SET status = 'sending', channel = d.channel, variant_id = d.variant, rendered = d.rendered::jsonb, credits = d.credits,
               attempts = m.attempts + 1, scheduled_for = ${iso(staleAt)},
               status_history = m.status_history || jsonb_build_array(${entry}::jsonb), updated_at = ${iso(now)}
        FROM unnest(${claims.map((c) => c.id)}::text[], ${claims.map((c) => c.attempts)}::int[], ${claims.map((c) => c.channel)}::text[],
                    ${claims.map((c) => c.variantId)}::text[], ${claims.map((c) => JSON.stringify(c.rendered))}::text[],
                    ${claims.map((c) => c.credits)}::int[]) AS d(id, attempts, channel, variant, rendered, credits)
        WHERE m.workspace_id = ${ws} AND m.id = d.id AND m.status IN ${open} AND m.attempts = d.attempts
        RETURNING m.id`;
      return new Set(rows.map((r) => r.id));
    },
    scheduleCounts: async (ws, campaignId, scheduleId) => {
      const rows = await sql<{ status: string; n: string }[]>`
        SELECT status, count(*) AS n FROM messages WHERE workspace_id = ${ws} AND campaign_id = ${campaignId} AND schedule_id = ${scheduleId} GROUP BY status`;
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    deliverInStore: async (ws, deliveries, now, actor) => {
      if (deliveries.length === 0) return new Map();
      const entry = JSON.stringify({ status: 'delivered', at: now.toISOString(), by: actor });
      const dlv = deliveries.map(() => newId('dlv'));
      // One statement: the claim, the ledger update and the inbox rows commit together or not at all.
      const rows = await sql<{ message_id: string; id: string }[]>`
        WITH d AS (
          SELECT * FROM unnest(${deliveries.map((c) => c.id)}::text[], ${deliveries.map((c) => c.attempts)}::int[],
                               ${deliveries.map((c) => c.channel)}::text[], ${deliveries.map((c) => c.variantId)}::text[],
                               ${deliveries.map((c) => JSON.stringify(c.rendered))}::text[], ${deliveries.map((c) => c.credits)}::int[], ${dlv}::text[],
                               ${deliveries.map((c) => c.userId)}::text[], ${deliveries.map((c) => JSON.stringify(c.payload))}::text[])
                   AS d(id, attempts, channel, variant, rendered, credits, dlv, user_id, payload)
        ), claimed AS (
          UPDATE messages m SET status = 'delivered', channel = d.channel, variant_id = d.variant, rendered = d.rendered::jsonb, credits = d.credits,
                 attempts = m.attempts + 1, provider = 'local', provider_message_id = d.dlv, error = NULL,
                 sent_at = ${iso(now)}::timestamptz, delivered_at = ${iso(now)}::timestamptz,
                 status_history = m.status_history || jsonb_build_array(${entry}::jsonb), updated_at = ${iso(now)}::timestamptz
          FROM d WHERE m.workspace_id = ${ws} AND m.id = d.id AND m.status IN ${open} AND m.attempts = d.attempts
          RETURNING m.id, d.dlv, d.user_id, d.channel, d.payload
        )
        INSERT INTO local_deliveries (workspace_id, id, message_id, user_id, channel, payload, delivered_at)
        SELECT ${ws}, dlv, id, user_id, channel, payload::jsonb, ${iso(now)}::timestamptz FROM claimed
        RETURNING message_id, id`;
      return new Map(rows.map((r) => [r.message_id, r.id]));
    },
    hasOpen: async (ws, campaignId, stepKey) => {
      const rows = await sql`SELECT 1 FROM messages WHERE workspace_id = ${ws} AND campaign_id = ${campaignId} AND status IN ${open} AND step_key = ${stepKey} LIMIT 1`;
      return rows.length > 0;
    },
    analyze: async () => {
      await sql`ANALYZE messages`;
    },
    stepCounts: async (ws, campaignId, stepKey) => {
      const rows = await sql<{ status: string; n: string }[]>`
        SELECT status, count(*) AS n FROM messages WHERE workspace_id = ${ws} AND campaign_id = ${campaignId} AND step_key = ${stepKey} GROUP BY status`;
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    boundaries: async (ws, campaignId, stepKey, chunk) => {
      const out: string[] = [];
      for (;;) {
        const last = out[out.length - 1];
        const [r] = await sql<{ u: string }[]>`
          SELECT user_id AS u FROM messages WHERE workspace_id = ${ws} AND campaign_id = ${campaignId} AND step_key = ${stepKey}
            ${last === undefined ? sql`` : sql`AND user_id > ${last}`}
          ORDER BY user_id LIMIT 1 OFFSET ${chunk - 1}`;
        if (!r) return out;
        out.push(r.u);
      }
    },
    cancelSchedule: async (ws, scheduleId, reason, now) => {
      const entry = JSON.stringify({ status: 'cancelled', at: now.toISOString(), by: 'scheduler', reason });
      const r = await sql`
        UPDATE messages SET status = 'cancelled', error = ${reason}, status_history = status_history || jsonb_build_array(${entry}::jsonb), updated_at = ${iso(now)}
        WHERE workspace_id = ${ws} AND schedule_id = ${scheduleId} AND status IN ('queued', 'deferred')`;
      return r.count;
    },
    reserveCredits: async (ws, campaignId, want) =>
      sql.begin(async (tx) => {
        const [row] = await tx<{ budget: number | null; spent: number }[]>`
          SELECT budget_credits AS budget, credits_spent AS spent FROM campaigns WHERE workspace_id = ${ws} AND id = ${campaignId} FOR UPDATE`;
        if (!row) return 0;
        const granted = row.budget === null ? want : Math.max(0, Math.min(want, row.budget - row.spent));
        if (granted > 0) await tx`UPDATE campaigns SET credits_spent = credits_spent + ${granted} WHERE workspace_id = ${ws} AND id = ${campaignId}`;
        return granted;
      }),
    releaseCredits: async (ws, campaignId, credits) => {
      if (credits > 0) await sql`UPDATE campaigns SET credits_spent = greatest(0, credits_spent - ${credits}) WHERE workspace_id = ${ws} AND id = ${campaignId}`;
    },
  };
}

function groupByKind(outcomes: readonly LedgerOutcome[]): Map<string, LedgerOutcome[]> {
  const m = new Map<string, LedgerOutcome[]>();
  for (const o of outcomes) {
    const k = o.kind === 'suppressed' || o.kind === 'skipped' || o.kind === 'cancelled' || o.kind === 'failed' ? 'final' : o.kind;
    const group = m.get(k);
    if (group) group.push(o);
    else m.set(k, [o]);
  }
  return m;
}
