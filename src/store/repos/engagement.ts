/**
 * Engagement hits: reads the messages they name and records them, flagging the first (and first
 * non-machine, `unique`) hit of each kind per message. The flags are decided from what is stored
 * plus the batch itself, and guarded by partial unique indexes: if another process recorded a
 * first hit meanwhile, the row is written again without the flag, so no hit is ever lost.
 * Rollups follow from triggers on engagement_events.
 */
import type { Channel } from '../../domain/campaign.js';
import type { LedgerStatus } from '../../domain/delivery/ledger.js';
import type { EngagementHit, EngagementKind, EngagementRepo, RecordedHit, TrackingTarget } from '../../domain/tracking/engagement.js';
import type { Executor } from '../executor.js';
import { newId } from '../ids.js';

interface TargetRow {
  id: string;
  campaign_id: string;
  variant_id: string | null;
  user_id: string;
  channel: string;
  status: string;
  sent_at: number | Date | null;
  links: string | string[] | null;
}

interface FlagRow {
  message_id: string;
  kind: string;
  is_unique: number | boolean;
  is_first: number | boolean;
}

const TARGET_COLUMNS = 'id, campaign_id, variant_id, user_id, channel, status, sent_at';

export function engagementRepo(x: Executor): EngagementRepo {
  const raw = x.raw;
  const toTarget = (ws: string, r: TargetRow): TrackingTarget => ({
    workspaceId: ws,
    id: r.id,
    campaignId: r.campaign_id,
    variantId: r.variant_id,
    userId: r.user_id,
    channel: r.channel as Channel,
    status: r.status as LedgerStatus,
    sentAt: r.sent_at === null ? null : new Date(r.sent_at),
    links: parseLinks(r.links),
  });
  /** Decides the flags of each hit in order, given the flags already stored per (message, kind). */
  const decide = (hits: readonly EngagementHit[], stored: FlagRow[]) => {
    const seen = new Map<string, { unique: boolean; first: boolean }>();
    for (const f of stored) {
      const k = `${f.message_id}\u0000${f.kind}`;
      const s = seen.get(k) ?? { unique: false, first: false };
      seen.set(k, { unique: s.unique || Boolean(f.is_unique), first: s.first || Boolean(f.is_first) });
    }
    return hits.map((h) => {
      const k = `${h.target.id}\u0000${h.kind}`;
      const s = seen.get(k) ?? { unique: false, first: false };
      const unique = !s.unique && !h.isMachine;
      if (h.onlyIfUnique && !unique) return { id: '', recorded: false, unique: false, first: false };
      const out = { id: h.id ?? newId('eng'), recorded: true, unique, first: !s.first };
      seen.set(k, { unique: s.unique || out.unique, first: true });
      return out;
    });
  };
  const row = (h: EngagementHit, d: RecordedHit) => ({
    ws: h.target.workspaceId, id: d.id, message: h.target.id, campaign: h.target.campaignId, variant: h.target.variantId, user: h.target.userId,
    kind: h.kind, link: h.linkIndex ?? null, machine: h.isMachine, unique: d.unique, first: d.first, revenue: h.revenue ?? null,
    ua: h.userAgent ? h.userAgent.slice(0, 300) : null, at: h.occurredAt, channel: h.target.channel, source: h.source,
  });

  if (raw.dialect === 'sqlite') {
    const db = raw.db;
    const targetsOf = (n: number, withLinks: boolean) =>
      db.prepare(
        `SELECT ${TARGET_COLUMNS}, ${withLinks ? "json_extract(rendered, '$.links')" : 'NULL'} AS links FROM messages
         WHERE workspace_id = ? AND id IN (${Array.from({ length: n }, () => '?').join(', ')})`,
      );
    // Prepared once per list length and kind (a burst repeats the same few).
    const prepared = new Map<string, ReturnType<typeof targetsOf>>();
    const targetsStatement = (n: number, withLinks: boolean) => {
      const key = `${n}:${withLinks}`;
      let st = prepared.get(key);
      if (!st) {
        if (prepared.size > 200) prepared.clear();
        prepared.set(key, (st = targetsOf(n, withLinks)));
      }
      return st;
    };
    // Two index probes in one statement, each answered by its partial unique index (no index on
    // every hit's message is kept).
    const flagProbe = db
      .prepare(
        `SELECT 1 FROM engagement_events WHERE workspace_id = @ws AND message_id = @id AND kind = @kind AND is_unique
         UNION ALL
         SELECT 2 FROM engagement_events WHERE workspace_id = @ws AND message_id = @id AND kind = @kind AND is_first`,
      )
      .pluck();
    const flags = {
      all: (ws: string, id: string, kind: string): FlagRow[] => {
        const found = flagProbe.all({ ws, id, kind }) as number[];
        return found.length === 0 ? [] : [{ message_id: id, kind, is_unique: found.includes(1), is_first: found.includes(2) }];
      },
    };
    const insert = db.prepare(`
      INSERT INTO engagement_events (workspace_id, id, message_id, campaign_id, variant_id, user_id, kind, link_index, is_machine, is_unique,
                                     is_first, revenue, user_agent, occurred_at, channel, source)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (workspace_id, id) DO NOTHING`);
    return {
      targets: (ws, ids, opts) =>
        x.run(async () => {
          const out = new Map<string, TrackingTarget>();
          const unique = [...new Set(ids)];
          for (let i = 0; i < unique.length; i += 100) {
            const chunk = unique.slice(i, i + 100);
            for (const r of targetsStatement(chunk.length, opts?.withLinks ?? true).all(ws, ...chunk) as TargetRow[]) out.set(r.id, toTarget(ws, r));
          }
          return out;
        }),
      record: (hits) =>
        x.tx(async (): Promise<RecordedHit[]> => {
          if (hits.length === 0) return [];
          const pairs = new Map<string, [string, string, EngagementKind]>();
          for (const h of hits) pairs.set(`${h.target.workspaceId}\u0000${h.target.id}\u0000${h.kind}`, [h.target.workspaceId, h.target.id, h.kind]);
          const stored = [...pairs.values()].flatMap(([ws, id, kind]) => flags.all(ws, id, kind) as FlagRow[]);
          const decided = decide(hits, stored);
          hits.forEach((h, i) => {
            if (!decided[i]!.recorded) return;
            const r = row(h, decided[i]!);
            const written = insert.run(r.ws, r.id, r.message, r.campaign, r.variant, r.user, r.kind, r.link, r.machine ? 1 : 0, r.unique ? 1 : 0, r.first ? 1 : 0,
              r.revenue, r.ua, r.at.getTime(), r.channel, r.source);
            if (written.changes === 0) decided[i] = { ...decided[i]!, recorded: false, unique: false, first: false };
          });
          return decided;
        }),
    };
  }

  const sql = raw.sql;
  return {
    targets: async (ws, ids, opts) => {
      const out = new Map<string, TrackingTarget>();
      if (ids.length === 0) return out;
      const links = (opts?.withLinks ?? true) ? sql`rendered->'links'` : sql`NULL::jsonb`;
      const rows = await sql<TargetRow[]>`
        SELECT ${sql.unsafe(TARGET_COLUMNS)}, ${links} AS links FROM messages WHERE workspace_id = ${ws} AND id = ANY(${[...new Set(ids)]}::text[])`;
      for (const r of rows) out.set(r.id, toTarget(ws, r));
      return out;
    },
    record: async (hits) => {
      if (hits.length === 0) return [];
      return sql.begin(async (tx) => {
        const keys = hits.map((h) => ({ ws: h.target.workspaceId, id: h.target.id, kind: h.kind }));
        // Each half is answered by its partial unique index (no index on every hit's message is kept).
        const stored = await tx<FlagRow[]>`
          WITH k AS (SELECT * FROM json_to_recordset(${JSON.stringify(keys)}::json) AS k(ws text, id text, kind text))
          SELECT e.message_id, e.kind, true AS is_unique, false AS is_first FROM engagement_events e JOIN k
            ON e.workspace_id = k.ws AND e.message_id = k.id AND e.kind = k.kind WHERE e.is_unique
          UNION ALL
          SELECT e.message_id, e.kind, false AS is_unique, true AS is_first FROM engagement_events e JOIN k
            ON e.workspace_id = k.ws AND e.message_id = k.id AND e.kind = k.kind WHERE e.is_first`;
        const decided = decide(hits, stored);
        const rows = hits.flatMap((h, i) => (decided[i]!.recorded ? [{ ...row(h, decided[i]!), at: h.occurredAt.toISOString() }] : []));
        if (rows.length === 0) return decided;
        const insert = (batch: typeof rows) => tx<{ id: string }[]>`
          INSERT INTO engagement_events (workspace_id, id, message_id, campaign_id, variant_id, user_id, kind, link_index, is_machine, is_unique,
                                         is_first, revenue, user_agent, occurred_at, channel, source)
          SELECT ws, id, message, campaign, variant, "user", kind, link, machine, "unique", first, revenue, ua, at, channel, source
          FROM json_to_recordset(${JSON.stringify(batch)}::json)
               AS d(ws text, id text, message text, campaign text, variant text, "user" text, kind text, link int, machine boolean, "unique" boolean,
                    first boolean, revenue float8, ua text, at timestamptz, channel text, source text)
          ON CONFLICT DO NOTHING
          RETURNING id`;
        const written = new Set((await insert(rows)).map((r) => r.id));
        const lost = rows.filter((r) => !written.has(r.id));
        // Another process took a flag meanwhile: keep the hit, without the flag. (A hit whose fixed id
        // is already stored conflicts again and stays unwritten: it was recorded before.)
        const rewritten = lost.length > 0 ? new Set((await insert(lost.map((r) => ({ ...r, unique: false, first: false })))).map((r) => r.id)) : new Set<string>();
        for (const d of decided) {
          if (!d.recorded || written.has(d.id)) continue;
          Object.assign(d, rewritten.has(d.id) ? { unique: false, first: false } : { recorded: false, unique: false, first: false });
        }
        return decided;
      });
    },
  };
}

function parseLinks(v: string | string[] | null): string[] {
  if (v === null) return [];
  const parsed: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  return Array.isArray(parsed) ? parsed.filter((s): s is string => typeof s === 'string') : [];
}
