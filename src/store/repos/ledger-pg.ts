/** The send ledger on PostgreSQL: multi-row inserts and array-parameter updates, one round trip per kind. */
import type { LedgerOutcome, LedgerRepo, NewLedgerRow, RangeQuery } from '../../domain/delivery/ports.js';
import type { Executor } from '../executor.js';
import { newId } from '../ids.js';
import { byStored, DUE_COLUMNS, historyEntry, historyItem, nextDueAt, OPEN_SQL, outcomeReason, toDue, type DueRow } from './ledger-sql.js';

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
      const { stored, fresh } = byStored(outcomes);
      await sql.begin(async (tx) => {
        if (fresh.length > 0) {
          for (const group of byStep(fresh)) {
            const head = group[0]!.row;
            const rows = group.map((o) => {
              const { status, item } = historyItem(o, now, actor);
              return { id: o.id, user_id: o.row.userId, key: o.row.idempotencyKey, channel: o.row.channel, status, entry: item,
                       reason: outcomeReason(o) ?? null, planned: iso(o.row.plannedFor), at: iso(nextDueAt(o, o.row.plannedFor)), arm: o.row.sendTimeArm ?? null };
            });
            await tx`
              INSERT INTO messages (workspace_id, id, campaign_id, step_key, user_id, channel, schedule_id, idempotency_key, status, status_history,
                                    error, attempts, credits, planned_for, scheduled_for, created_at, updated_at, send_time_arm)
              SELECT ${ws}, d.id, ${head.campaignId}, ${head.stepKey}, d.user_id, d.channel, ${head.scheduleId}, d.key, d.status, jsonb_build_array(d.entry),
                     d.reason, 0, 0, d.planned, d.at, ${iso(now)}::timestamptz, ${iso(now)}::timestamptz, d.arm
              FROM json_to_recordset(${JSON.stringify(rows)}::json)
                   AS d(id text, user_id text, key text, channel text, status text, entry jsonb, reason text, planned timestamptz, at timestamptz, arm text)
              ON CONFLICT DO NOTHING`;
          }
        }
        for (const [kind, group] of groupByKind(stored)) {
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
          } else if (kind === 'later') {
            const at = group.map((o) => nextDueAt(o, now).toISOString());
            const reason = group.map((o) => (o.kind === 'retry' || o.kind === 'recheck' ? o.error : null));
            await tx`UPDATE messages m SET status = d.status, scheduled_for = d.at::timestamptz, error = coalesce(d.reason, m.error),
                       credits = CASE WHEN d.status = 'sending' THEN m.credits ELSE 0 END, ${hist}
                     FROM unnest(${ids}::text[], ${entries}::text[], ${statuses}::text[], ${at}::text[], ${reason}::text[])
                          AS d(id, entry, status, at, reason)
                     ${where}`;
          } else {
            const reason = group.map((o) => outcomeReason(o) ?? '');
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
      const { stored, fresh } = byStored(claims);
      const out = new Set<string>();
      if (stored.length > 0) {
        const rows = stored.map((c) => ({ id: c.id, attempts: c.attempts, channel: c.channel, variant: c.variantId, rendered: c.rendered, credits: c.credits }));
        const claimed = await sql<{ id: string }[]>`
          UPDATE messages m SET status = 'sending', channel = d.channel, variant_id = d.variant, rendered = d.rendered, credits = d.credits,
                 attempts = m.attempts + 1, scheduled_for = ${iso(staleAt)},
                 status_history = m.status_history || jsonb_build_array(${entry}::jsonb), updated_at = ${iso(now)}
          FROM json_to_recordset(${JSON.stringify(rows)}::json) AS d(id text, attempts int, channel text, variant text, rendered jsonb, credits int)
          WHERE m.workspace_id = ${ws} AND m.id = d.id AND m.status IN ${open} AND m.attempts = d.attempts
          RETURNING m.id`;
        for (const r of claimed) out.add(r.id);
      }
      for (const group of byStep(fresh)) {
        const head = group[0]!.row;
        const rows = group.map((c) => ({ id: c.id, user_id: c.row.userId, key: c.row.idempotencyKey, channel: c.channel, variant: c.variantId,
                                         rendered: c.rendered, credits: c.credits, planned: iso(c.row.plannedFor), arm: c.row.sendTimeArm ?? null }));
        const claimed = await sql<{ id: string }[]>`
          INSERT INTO messages (workspace_id, id, campaign_id, step_key, user_id, channel, variant_id, schedule_id, idempotency_key, status,
                                status_history, attempts, credits, rendered, planned_for, scheduled_for, created_at, updated_at, send_time_arm)
          SELECT ${ws}, d.id, ${head.campaignId}, ${head.stepKey}, d.user_id, d.channel, d.variant, ${head.scheduleId}, d.key, 'sending',
                 jsonb_build_array(${entry}::jsonb), 1, d.credits, d.rendered, d.planned, ${iso(staleAt)}::timestamptz, ${iso(now)}::timestamptz, ${iso(now)}::timestamptz, d.arm
          FROM json_to_recordset(${JSON.stringify(rows)}::json)
               AS d(id text, user_id text, key text, channel text, variant text, rendered jsonb, credits int, planned timestamptz, arm text)
          ON CONFLICT DO NOTHING
          RETURNING id`;
        for (const r of claimed) out.add(r.id);
      }
      return out;
    },
    scheduleCounts: async (ws, campaignId, scheduleId) => {
      const rows = await sql<{ status: string; n: string }[]>`
        SELECT status, count(*) AS n FROM messages WHERE workspace_id = ${ws} AND campaign_id = ${campaignId} AND schedule_id = ${scheduleId} GROUP BY status`;
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    deliverInStore: async (ws, deliveries, now, actor) => {
      const out = new Map<string, string>();
      if (deliveries.length === 0) return out;
      const entry = JSON.stringify({ status: 'delivered', at: now.toISOString(), by: actor });
      const at = iso(now);
      const { stored, fresh } = byStored(deliveries);
      // One statement each: the claim, the ledger write and the inbox rows commit together or not at all.
      if (stored.length > 0) {
        const rows = stored.map((c) => ({ id: c.id, attempts: c.attempts, channel: c.channel, variant: c.variantId, rendered: c.rendered,
                                          credits: c.credits, dlv: newId('dlv'), user_id: c.userId, payload: c.payload }));
        const delivered = await sql<{ message_id: string; id: string }[]>`
          WITH d AS (
            SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::json)
                     AS d(id text, attempts int, channel text, variant text, rendered jsonb, credits int, dlv text, user_id text, payload jsonb)
          ), claimed AS (
            UPDATE messages m SET status = 'delivered', channel = d.channel, variant_id = d.variant, rendered = d.rendered, credits = d.credits,
                   attempts = m.attempts + 1, provider = 'local', provider_message_id = d.dlv, error = NULL,
                   sent_at = ${at}::timestamptz, delivered_at = ${at}::timestamptz,
                   status_history = m.status_history || jsonb_build_array(${entry}::jsonb), updated_at = ${at}::timestamptz
            FROM d WHERE m.workspace_id = ${ws} AND m.id = d.id AND m.status IN ${open} AND m.attempts = d.attempts
            RETURNING m.id, d.dlv, d.user_id, d.channel, d.payload
          )
          INSERT INTO local_deliveries (workspace_id, id, message_id, user_id, channel, payload, delivered_at)
          SELECT ${ws}, dlv, id, user_id, channel, payload, ${at}::timestamptz FROM claimed
          RETURNING message_id, id`;
        for (const r of delivered) out.set(r.message_id, r.id);
      }
      for (const group of byStep(fresh)) {
        const head = group[0]!.row;
        const rows = group.map((c) => ({ id: c.id, user_id: c.row.userId, key: c.row.idempotencyKey, channel: c.channel, variant: c.variantId,
                                         rendered: c.rendered, credits: c.credits, planned: iso(c.row.plannedFor), dlv: newId('dlv'), payload: c.payload,
                                         arm: c.row.sendTimeArm ?? null }));
        // A member whose row a crashed run already wrote conflicts on its key: no second row, no second delivery.
        const delivered = await sql<{ message_id: string; id: string }[]>`
          WITH d AS (
            SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::json)
                     AS d(id text, user_id text, key text, channel text, variant text, rendered jsonb, credits int, planned timestamptz, dlv text, payload jsonb, arm text)
          ), written AS (
            INSERT INTO messages (workspace_id, id, campaign_id, step_key, user_id, channel, variant_id, schedule_id, idempotency_key, status,
                                  status_history, attempts, credits, rendered, provider, provider_message_id, planned_for, scheduled_for,
                                  sent_at, delivered_at, created_at, updated_at, send_time_arm)
            SELECT ${ws}, d.id, ${head.campaignId}, ${head.stepKey}, d.user_id, d.channel, d.variant, ${head.scheduleId}, d.key, 'delivered',
                   jsonb_build_array(${entry}::jsonb), 1, d.credits, d.rendered, 'local', d.dlv, d.planned, d.planned,
                   ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz, d.arm
            FROM d
            ON CONFLICT DO NOTHING
            RETURNING id, provider_message_id AS dlv, user_id, channel
          )
          INSERT INTO local_deliveries (workspace_id, id, message_id, user_id, channel, payload, delivered_at)
          SELECT ${ws}, w.dlv, w.id, w.user_id, w.channel, d.payload, ${at}::timestamptz FROM written w JOIN d ON d.id = w.id
          RETURNING message_id, id`;
        for (const r of delivered) out.set(r.message_id, r.id);
      }
      return out;
    },
    hasOpen: async (ws, campaignId, stepKey) => {
      const rows = await sql`SELECT 1 FROM messages WHERE workspace_id = ${ws} AND campaign_id = ${campaignId} AND status IN ${open} AND step_key = ${stepKey} LIMIT 1`;
      return rows.length > 0;
    },
    stepCounts: async (ws, campaignId, stepKey) => {
      const rows = await sql<{ status: string; n: string }[]>`
        SELECT status, count(*) AS n FROM messages WHERE workspace_id = ${ws} AND campaign_id = ${campaignId} AND step_key = ${stepKey} GROUP BY status`;
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    cancelSchedule: async (ws, scheduleId, reason, now) => {
      const entry = JSON.stringify({ status: 'cancelled', at: now.toISOString(), by: 'scheduler', reason });
      const r = await sql`
        UPDATE messages SET status = 'cancelled', error = ${reason}, status_history = status_history || jsonb_build_array(${entry}::jsonb), updated_at = ${iso(now)}
        WHERE workspace_id = ${ws} AND schedule_id = ${scheduleId} AND status IN ('queued', 'deferred')`;
      return r.count;
    },
    reserveCredits: async (ws, campaignId, want) => {
      // One statement, so the row lock lasts no longer than it: the locking read sees the latest
      // spend, and the update adds what that spend leaves within the budget.
      const [row] = await sql<{ granted: number }[]>`
        WITH cur AS (
          SELECT budget_credits AS budget, credits_spent AS spent FROM campaigns WHERE workspace_id = ${ws} AND id = ${campaignId} FOR UPDATE
        ), g AS (
          SELECT CASE WHEN budget IS NULL THEN ${want}::int ELSE greatest(0, least(${want}::int, budget - spent)) END AS granted FROM cur
        )
        UPDATE campaigns c SET credits_spent = c.credits_spent + g.granted FROM g
        WHERE c.workspace_id = ${ws} AND c.id = ${campaignId}
        RETURNING g.granted`;
      return row ? Number(row.granted) : 0;
    },
    releaseCredits: async (ws, campaignId, credits) => {
      if (credits > 0) await sql`UPDATE campaigns SET credits_spent = greatest(0, credits_spent - ${credits}) WHERE workspace_id = ${ws} AND id = ${campaignId}`;
    },
  };
}

/** Rows written in one statement share their campaign, step and schedule; the dispatcher's always do. */
function byStep<T extends { row: NewLedgerRow }>(items: readonly T[]): T[][] {
  const m = new Map<string, T[]>();
  for (const i of items) {
    const k = `${i.row.campaignId}\u0000${i.row.stepKey}\u0000${i.row.scheduleId}`;
    const group = m.get(k);
    if (group) group.push(i);
    else m.set(k, [i]);
  }
  return [...m.values()];
}

function groupByKind(outcomes: readonly LedgerOutcome[]): Map<string, LedgerOutcome[]> {
  const m = new Map<string, LedgerOutcome[]>();
  for (const o of outcomes) {
    const k =
      o.kind === 'suppressed' || o.kind === 'skipped' || o.kind === 'cancelled' || o.kind === 'failed'
        ? 'final'
        : o.kind === 'sent'
          ? 'sent'
          : 'later';
    const group = m.get(k);
    if (group) group.push(o);
    else m.set(k, [o]);
  }
  return m;
}
