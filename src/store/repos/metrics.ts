/** Reads of campaign_rollups, the counters the database keeps by trigger (see migration 0005). */
import { and, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Channel } from '../../domain/campaign.js';
import type { MetricsRepo, MetricsWindow, RollupRow } from '../../domain/metrics/repo.js';
import { ROLLUP_FIELDS, type RollupSums } from '../../domain/metrics/rates.js';
import type { Executor } from '../executor.js';

export function metricsRepo(x: Executor): MetricsRepo {
  const r = x.t.campaignRollups;
  const cols = r as unknown as Record<(typeof ROLLUP_FIELDS)[number], SQL.Aliased | typeof r.stQueued>;
  const within = (ws: string, w: MetricsWindow, extra: SQL[] = []) =>
    and(eq(r.workspaceId, ws), ...extra, ...(w.since ? [gte(r.bucket, w.since)] : []), ...(w.until ? [lt(r.bucket, w.until)] : []));
  const sums = () => Object.fromEntries(ROLLUP_FIELDS.map((f) => [f, sql<number>`sum(${cols[f]})`])) as Record<(typeof ROLLUP_FIELDS)[number], SQL<number>>;
  const numbers = <T extends Record<string, unknown>>(row: T): T => {
    for (const f of ROLLUP_FIELDS) (row as Record<string, unknown>)[f] = Number(row[f] ?? 0);
    return row;
  };
  return {
    campaign: (ws, campaignId, w, by) =>
      x.run(async (db) => {
        const v = by.includes('variant');
        const c = by.includes('channel');
        const h = by.includes('hour');
        const keys = [...(v ? [r.variantId] : []), ...(c ? [r.channel] : []), ...(h ? [r.bucket] : [])];
        const picked = { ...(v ? { variantId: r.variantId } : {}), ...(c ? { channel: r.channel } : {}), ...(h ? { bucket: r.bucket } : {}) };
        const rows = (await db
          .select({ ...picked, ...sums() })
          .from(r)
          .where(within(ws, w, [eq(r.campaignId, campaignId)]))
          .groupBy(...(keys.length > 0 ? keys : [r.campaignId]))) as Array<Record<string, unknown>>;
        return rows.map((row) =>
          numbers({
            ...row,
            campaignId,
            variantId: v ? String(row['variantId']) : '',
            channel: (c ? String(row['channel']) : '') as Channel,
            bucket: new Date(h ? (row['bucket'] as Date | number) : 0),
          }) as unknown as RollupRow,
        );
      }),
    byCampaign: (ws, w) =>
      x.run(async (db) => {
        const rows = await db
          .select({ campaignId: r.campaignId, ...sums() })
          .from(r)
          .where(within(ws, w))
          .groupBy(r.campaignId);
        return rows.map((row) => numbers(row) as RollupSums & { campaignId: string });
      }),
  };
}
