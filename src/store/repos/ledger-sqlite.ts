/** The send ledger on SQLite: prepared statements in batched transactions. */
import type { LedgerRepo, RangeQuery } from '../../domain/delivery/ports.js';
import type { Executor } from '../executor.js';
import { newId } from '../ids.js';
import { DUE_COLUMNS, historyEntry, MAX_ID, nextDueAt, OPEN_SQL, outcomeReason, toDue, type DueRow } from './ledger-sql.js';

const DUE_SQL = `
  SELECT ${DUE_COLUMNS}, json_extract(u.traits, '$.webhook_url') AS webhook_url,
         (SELECT group_concat(s.channel) FROM suppressions s WHERE s.workspace_id = m.workspace_id AND s.user_id = m.user_id) AS suppressed
  FROM messages m LEFT JOIN users u ON u.workspace_id = m.workspace_id AND u.id = m.user_id
  WHERE m.workspace_id = @ws AND m.campaign_id = @campaign AND m.step_key = @step AND m.user_id > @after AND m.user_id <= @through
    AND m.status IN ${OPEN_SQL} AND m.scheduled_for <= @now
  ORDER BY m.user_id LIMIT @limit`;

export function sqliteLedger(x: Executor): LedgerRepo {
  if (x.raw.dialect !== 'sqlite') throw new Error('sqlite executor expected');
  const db = x.raw.db;
  // Rows as arrays: better-sqlite3 builds row objects property by property, which costs more than the query.
  const due = db.prepare(DUE_SQL).raw(true);
  const dueRow = arrayDecoder(due.columns().map((c) => c.name));
  const nextDue = db.prepare(`
    SELECT min(scheduled_for) AS at FROM messages
    WHERE workspace_id = @ws AND campaign_id = @campaign AND step_key = @step AND user_id > @after AND user_id <= @through AND status IN ${OPEN_SQL}`);
  const open = `WHERE workspace_id = @ws AND id = @id AND status IN ${OPEN_SQL}`;
  const append = `status_history = json_insert(status_history, '$[#]', json(@entry)), updated_at = @now`;
  const claim = db.prepare(`UPDATE messages SET status = 'sending', channel = @channel, variant_id = @variant, rendered = @rendered,
                              credits = @credits, attempts = attempts + 1, scheduled_for = @stale, ${append}
                            ${open} AND attempts = @attempts`);
  // Positional parameters on the per-message statements: binding by name costs more than the write.
  const inStore = db.prepare(`UPDATE messages SET status = 'delivered', channel = ?, variant_id = ?, rendered = ?, credits = ?, attempts = attempts + 1,
                                provider = 'local', provider_message_id = ?, error = NULL, sent_at = ?, delivered_at = ?,
                                status_history = json_insert(status_history, '$[#]', json(?)), updated_at = ?
                              WHERE workspace_id = ? AND id = ? AND status IN ${OPEN_SQL} AND attempts = ?`);
  // A member's first write: nothing when its key exists already (a crashed run wrote it).
  const insertNew = db.prepare(`
    INSERT INTO messages (workspace_id, id, campaign_id, step_key, user_id, channel, variant_id, schedule_id, idempotency_key, status,
                          status_history, error, attempts, credits, rendered, provider, provider_message_id, planned_for, scheduled_for,
                          sent_at, delivered_at, created_at, updated_at, send_time_arm)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, json_array(json(?)), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT DO NOTHING`);
  const inbox = db.prepare(
    `INSERT INTO local_deliveries (workspace_id, id, message_id, user_id, channel, payload, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const hasOpen = db.prepare(
    // The planner might prefer the step index and scan every row of the step; open rows are few.
    `SELECT 1 AS x FROM messages INDEXED BY messages_open_idx
     WHERE workspace_id = ? AND campaign_id = ? AND step_key = ? AND status IN ${OPEN_SQL} LIMIT 1`,
  );
  const stepCounts = db.prepare(`SELECT status, count(*) AS n FROM messages WHERE workspace_id = ? AND campaign_id = ? AND step_key = ? GROUP BY status`);
  const scheduleCounts = db.prepare(`SELECT status, count(*) AS n FROM messages WHERE workspace_id = ? AND campaign_id = ? AND schedule_id = ? GROUP BY status`);
  const stmt = {
    sent: db.prepare(`UPDATE messages SET status = @status, provider = @provider, provider_message_id = @pmid, error = NULL,
                        sent_at = @now, delivered_at = CASE WHEN @status = 'delivered' THEN @now END, ${append} ${open}`),
    retry: db.prepare(`UPDATE messages SET status = @status, scheduled_for = @at, error = @reason,
                         credits = CASE WHEN @status = 'queued' THEN 0 ELSE credits END, ${append} ${open}`),
    defer: db.prepare(`UPDATE messages SET status = 'deferred', scheduled_for = @at, credits = 0, ${append} ${open}`),
    hold: db.prepare(`UPDATE messages SET status = 'queued', scheduled_for = @at, credits = 0, ${append} ${open}`),
    final: db.prepare(`UPDATE messages SET status = @status, error = @reason, credits = 0, ${append} ${open}`),
  };
  const cancel = db.prepare(`
    UPDATE messages SET status = 'cancelled', error = @reason, status_history = json_insert(status_history, '$[#]', json(@entry)), updated_at = @now
    WHERE workspace_id = @ws AND schedule_id = @schedule AND status IN ('queued', 'deferred')`);
  const budget = db.prepare(`SELECT budget_credits AS budget, credits_spent AS spent FROM campaigns WHERE workspace_id = ? AND id = ?`);
  const spend = db.prepare(`UPDATE campaigns SET credits_spent = max(0, credits_spent + ?) WHERE workspace_id = ? AND id = ?`);
  const bounds = (r: RangeQuery) => ({ after: r.afterUserId ?? '', through: r.throughUserId ?? MAX_ID });

  return {
    due: (ws, range, now, limit) =>
      x.run(async () =>
        (due.all({ ws, campaign: range.campaignId, step: range.stepKey, ...bounds(range), now: now.getTime(), limit }) as unknown[][]).map((a) => toDue(dueRow(a))),
      ),
    nextDue: (ws, range) =>
      x.run(async () => {
        const r = nextDue.get({ ws, campaign: range.campaignId, step: range.stepKey, ...bounds(range) }) as { at: number | null };
        return r.at === null ? null : new Date(r.at);
      }),
    recentSends: (ws, userIds, since) =>
      x.run(async () => {
        const out = new Map<string, Date[]>();
        if (userIds.length === 0) return out;
        const rows = db
          .prepare(
            `SELECT user_id AS u, coalesce(sent_at, updated_at) AS at FROM messages
             WHERE workspace_id = ? AND user_id IN (${userIds.map(() => '?').join(',')})
               AND status IN ('sending', 'sent', 'delivered') AND coalesce(sent_at, updated_at) >= ?`,
          )
          .all(ws, ...userIds, since.getTime()) as { u: string; at: number }[];
        for (const r of rows) out.set(r.u, [...(out.get(r.u) ?? []), new Date(r.at)]);
        return out;
      }),
    claim: (ws, claims, now, staleAt, actor) =>
      x.tx(async () => {
        const out = new Set<string>();
        const entry = JSON.stringify({ status: 'sending', at: now.toISOString(), by: actor });
        for (const c of claims) {
          if (c.row) {
            const r = insertNew.run(
              ws, c.id, c.row.campaignId, c.row.stepKey, c.row.userId, c.channel, c.variantId, c.row.scheduleId, c.row.idempotencyKey, 'sending',
              entry, null, 1, c.credits, JSON.stringify(c.rendered), null, null, c.row.plannedFor.getTime(), staleAt.getTime(), null, null, now.getTime(), now.getTime(), c.row.sendTimeArm ?? null,
            );
            if (r.changes > 0) out.add(c.id);
            continue;
          }
          const r = claim.run({
            ws, id: c.id, attempts: c.attempts, channel: c.channel, variant: c.variantId, rendered: JSON.stringify(c.rendered),
            credits: c.credits, stale: staleAt.getTime(), entry, now: now.getTime(),
          });
          if (r.changes > 0) out.add(c.id);
        }
        return out;
      }),
    scheduleCounts: (ws, campaignId, scheduleId) =>
      x.run(async () =>
        Object.fromEntries((scheduleCounts.all(ws, campaignId, scheduleId) as { status: string; n: number }[]).map((r) => [r.status, Number(r.n)])),
      ),
    deliverInStore: (ws, deliveries, now, actor) =>
      x.tx(async () => {
        const out = new Map<string, string>();
        const t = now.getTime();
        const entry = JSON.stringify({ status: 'delivered', at: now.toISOString(), by: actor });
        for (const d of deliveries) {
          const dlv = newId('dlv');
          const r = d.row
            ? insertNew.run(
                ws, d.id, d.row.campaignId, d.row.stepKey, d.row.userId, d.channel, d.variantId, d.row.scheduleId, d.row.idempotencyKey, 'delivered',
                entry, null, 1, d.credits, JSON.stringify(d.rendered), 'local', dlv, d.row.plannedFor.getTime(), d.row.plannedFor.getTime(), t, t, t, t, d.row.sendTimeArm ?? null,
              )
            : inStore.run(d.channel, d.variantId, JSON.stringify(d.rendered), d.credits, dlv, t, t, entry, t, ws, d.id, d.attempts);
          if (r.changes === 0) continue;
          inbox.run(ws, dlv, d.id, d.userId, d.channel, JSON.stringify(d.payload), t);
          out.set(d.id, dlv);
        }
        return out;
      }),
    hasOpen: (ws, campaignId, stepKey) => x.run(async () => hasOpen.get(ws, campaignId, stepKey) !== undefined),
    stepCounts: (ws, campaignId, stepKey) =>
      x.run(async () =>
        Object.fromEntries((stepCounts.all(ws, campaignId, stepKey) as { status: string; n: number }[]).map((r) => [r.status, Number(r.n)])),
      ),
    record: async (ws, outcomes, now, actor) => {
      if (outcomes.length === 0) return;
      await x.tx(async () => {
        const t = now.getTime();
        for (const o of outcomes) {
          const { status, entry } = historyEntry(o, now, actor);
          if (o.row) {
            const r = o.row;
            insertNew.run(
              ws, o.id, r.campaignId, r.stepKey, r.userId, r.channel, null, r.scheduleId, r.idempotencyKey, status, entry, outcomeReason(o) ?? null,
              0, 0, null, null, null, r.plannedFor.getTime(), nextDueAt(o, r.plannedFor).getTime(), null, null, t, t, r.sendTimeArm ?? null,
            );
            continue;
          }
          const base = { ws, id: o.id, entry, now: t };
          if (o.kind === 'sent') stmt.sent.run({ ...base, status, provider: o.provider, pmid: o.providerMessageId });
          else if (o.kind === 'retry' || o.kind === 'recheck') stmt.retry.run({ ...base, status, at: o.retryAt.getTime(), reason: o.error });
          else if (o.kind === 'defer') stmt.defer.run({ ...base, at: o.until.getTime() });
          else if (o.kind === 'hold') stmt.hold.run({ ...base, at: o.until.getTime() });
          else stmt.final.run({ ...base, status, reason: 'reason' in o ? o.reason : o.error });
        }
      });
    },
    cancelSchedule: (ws, scheduleId, reason, now) =>
      x.tx(async () => {
        const entry = JSON.stringify({ status: 'cancelled', at: now.toISOString(), by: 'scheduler', reason });
        return cancel.run({ ws, schedule: scheduleId, reason, entry, now: now.getTime() }).changes;
      }),
    reserveCredits: (ws, campaignId, want) =>
      x.tx(async () => {
        const row = budget.get(ws, campaignId) as { budget: number | null; spent: number } | undefined;
        if (!row) return 0;
        const granted = row.budget === null ? want : Math.max(0, Math.min(want, row.budget - row.spent));
        if (granted > 0) spend.run(granted, ws, campaignId);
        return granted;
      }),
    releaseCredits: (ws, campaignId, credits) =>
      x.run(async () => {
        if (credits > 0) spend.run(-credits, ws, campaignId);
      }),
  };
}

/** Decodes a `due` row read as an array into the named row the shared decoder takes. */
function arrayDecoder(columns: string[]): (a: unknown[]) => DueRow {
  const at = (name: keyof DueRow): number => {
    const i = columns.indexOf(name);
    if (i < 0) throw new Error(`the due query has no column ${name}`);
    return i;
  };
  const i = {
    id: at('id'), key: at('idempotency_key'), campaign: at('campaign_id'), user: at('user_id'), channel: at('channel'), variant: at('variant_id'),
    status: at('status'), attempts: at('attempts'), credits: at('credits'), planned: at('planned_for'), uid: at('uid'), name: at('name'),
    email: at('email'), phone: at('phone'), webhook: at('webhook_url'), ustatus: at('ustatus'), timezone: at('timezone'), locale: at('locale'),
    tier: at('tier'), country: at('country'), ce: at('consent_email'), cp: at('consent_push'), cs: at('consent_sms'), ci: at('consent_in_app'),
    cw: at('consent_webhook'), suppressed: at('suppressed'),
  };
  return (a) =>
    ({
      id: a[i.id], idempotency_key: a[i.key], campaign_id: a[i.campaign], user_id: a[i.user], channel: a[i.channel], variant_id: a[i.variant],
      status: a[i.status], attempts: a[i.attempts], credits: a[i.credits], planned_for: a[i.planned], uid: a[i.uid], name: a[i.name],
      email: a[i.email], phone: a[i.phone], webhook_url: a[i.webhook], ustatus: a[i.ustatus], timezone: a[i.timezone], locale: a[i.locale],
      tier: a[i.tier], country: a[i.country], consent_email: a[i.ce], consent_push: a[i.cp], consent_sms: a[i.cs], consent_in_app: a[i.ci],
      consent_webhook: a[i.cw], suppressed: a[i.suppressed],
    }) as DueRow;
}
