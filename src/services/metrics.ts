/**
 * get_metrics: a campaign's (or the workspace's) delivery and engagement counts and rates, read
 * from the rollups the database keeps, optionally by variant and channel, over time, or for the
 * members of one segment (the one part computed from raw rows).
 */
import { lookAt } from './experiments.js';
import { bestSendTimes, sendTimeLift, sendTimeLines, type BestSendTimes, type SendTimeLift } from './send-time-insights.js';
import { flowState, type FlowState } from './journey-state.js';
import type { Analysis } from '../domain/experiments/analysis.js';
import type { ExperimentView } from '../views/experiment.js';
import { analysisTable, toExperimentView } from '../views/experiment.js';
import { DateTime } from 'luxon';
import type { Campaign } from '../domain/campaign.js';
import { notFound } from '../domain/errors.js';
import { addSums, countsOf, emptySums, ratesOf, ROLLUP_FIELDS, type MetricCounts, type MetricRates, type RollupSums } from '../domain/metrics/rates.js';
import type { RollupDimension, RollupRow } from '../domain/metrics/repo.js';
import { audienceRules } from '../domain/segments/audience.js';
import type { HandlerContext } from '../context.js';
import { attributeConversions } from './attribution.js';

export type GroupDimension = 'variant' | 'channel';

export interface MetricsQuery {
  campaignId?: string;
  groupBy: GroupDimension[];
  trend: 'none' | 'hour' | 'day';
  since?: Date;
  until?: Date;
  timeZone: string;
  includeMachineOpens: boolean;
  segmentId?: string;
  limit: number;
}

export interface MetricsBlock {
  counts: MetricCounts;
  rates: MetricRates;
}

export interface TrendPoint {
  bucket: string;
  sent: number;
  opened: number;
  clicked: number;
  converted: number;
  unsubscribed: number;
  revenue: number;
}

export interface CampaignMetrics extends MetricsBlock {
  scope: 'campaign';
  campaign: { id: string; name: string; status: string; resource: string };
  groups: Array<MetricsBlock & { variant_id?: string; variant_key?: string; channel?: string }>;
  trend: TrendPoint[];
  segment: (MetricsBlock & { segment_id: string; name: string }) | null;
  experiment: { experiment: ExperimentView; analysis: Analysis; summary: string } | null;
  /** A triggered campaign's or journey's enrollments and per-step counts. */
  journey: { version: number; enrollments: FlowState['enrollments']; steps: FlowState['steps'] } | null;
  send_time: SendTimeLift | null;
  best_send_times: BestSendTimes | null;
  notes: string[];
}

export interface WorkspaceMetrics extends MetricsBlock {
  scope: 'workspace';
  campaigns: Array<{ id: string; name: string; status: string; resource: string } & MetricsBlock>;
  more_campaigns: number;
  send_time: SendTimeLift | null;
  best_send_times: BestSendTimes | null;
  notes: string[];
}

const NOTES = [
  'Rates are per message sent (sent or delivered); click-to-open is per message opened. Intervals are 95% Wilson score intervals.',
  'Opened counts messages a person opened; a click counts as an open. Machine opens (mail proxies, prefetch within seconds of sending) are left out unless include_machine_opens.',
  'Conversions: the campaign goal event by a messaged person within its attribution window after their last click (default 72 h) or open (24 h), last touch.',
];

export async function campaignMetrics(ctx: HandlerContext, q: MetricsQuery & { campaignId: string }): Promise<CampaignMetrics> {
  const ws = ctx.workspaceId;
  const campaign = await ctx.store.campaigns.get(ws, q.campaignId);
  if (!campaign) throw notFound('campaign', q.campaignId, 'Call list_campaigns to see the campaigns of this workspace');
  const attribution = campaign.goal.event_type ? await attributeConversions(ctx.store, ctx.clock, ws) : null;
  const read = (by: RollupDimension[]) => ctx.store.metrics.campaign(ws, campaign.id, window(q), by);
  const [totals, grouped, hourly] = await Promise.all([
    read([]),
    q.groupBy.length > 0 ? read(q.groupBy) : Promise.resolve([]),
    q.trend !== 'none' ? read(['hour']) : Promise.resolve([]),
  ]);
  const block = blockOf(q);
  const total = totals.reduce((acc, r) => addSums(acc, r), emptySums());
  return {
    scope: 'campaign',
    campaign: { id: campaign.id, name: campaign.name, status: campaign.status, resource: `campaign://${campaign.id}` },
    ...block(total),
    groups: groups(campaign, grouped, q.groupBy).map(({ key, sums }) => ({ ...key, ...block(sums) })),
    trend: q.trend === 'none' ? [] : trend(hourly, q.trend, q.timeZone, q.includeMachineOpens),
    segment: q.segmentId ? await segmentBlock(ctx, campaign, { ...q, segmentId: q.segmentId }, block) : null,
    experiment: await experimentBlock(ctx, campaign.id),
    journey: await flowState(ctx.store, ws, campaign).then((f) => (f ? { version: f.version, enrollments: f.enrollments, steps: f.steps } : null)),
    send_time: await sendTimeLift(ctx.store, ws, campaign.id),
    best_send_times: await bestSendTimes(ctx.store, ctx.clock, ws, q.segmentId ?? campaign.segment_id ?? null),
    notes: attribution?.behind ? [...NOTES, 'Conversion attribution is still catching up with new events: call again for the rest.'] : NOTES,
  };
}

/** The campaign's experiment at this moment (an ad-hoc look: it changes nothing). */
async function experimentBlock(ctx: HandlerContext, campaignId: string): Promise<CampaignMetrics['experiment']> {
  const e = await ctx.store.experiments.forCampaign(ctx.workspaceId, campaignId);
  if (!e) return null;
  const { analysis } = await lookAt(ctx, ctx.workspaceId, e, false);
  return { experiment: toExperimentView(e), analysis, summary: analysisTable(e, analysis) };
}

export async function workspaceMetrics(ctx: HandlerContext, q: MetricsQuery): Promise<WorkspaceMetrics> {
  const ws = ctx.workspaceId;
  const attribution = await attributeConversions(ctx.store, ctx.clock, ws);
  const per = await ctx.store.metrics.byCampaign(ws, window(q));
  const block = blockOf(q);
  const total = per.reduce((acc, r) => addSums(acc, r), emptySums());
  const top = per.map((r) => ({ r, b: block(r) })).sort((a, b) => b.b.counts.sent - a.b.counts.sent || b.b.counts.targeted - a.b.counts.targeted);
  const shown = top.slice(0, q.limit);
  const campaigns = await Promise.all(
    shown.map(async ({ r, b }) => {
      const c = await ctx.store.campaigns.get(ws, r.campaignId);
      return { id: r.campaignId, name: c?.name ?? '(deleted)', status: c?.status ?? 'deleted', resource: `campaign://${r.campaignId}`, ...b };
    }),
  );
  const notes = attribution.behind ? [...NOTES, 'Conversion attribution is still catching up with new events: call again for the rest.'] : NOTES;
  return {
    scope: 'workspace',
    ...block(total),
    campaigns,
    more_campaigns: Math.max(0, top.length - shown.length),
    send_time: await sendTimeLift(ctx.store, ws),
    best_send_times: await bestSendTimes(ctx.store, ctx.clock, ws),
    notes,
  };
}

/** Counts and rates of some rollup sums, as the query counts opens. */
const blockOf =
  (q: MetricsQuery) =>
  (s: RollupSums): MetricsBlock => {
    const counts = countsOf(s, { includeMachineOpens: q.includeMachineOpens });
    return { counts, rates: ratesOf(counts) };
  };

function window(q: MetricsQuery) {
  return { ...(q.since ? { since: q.since } : {}), ...(q.until ? { until: q.until } : {}) };
}

/** Rollup rows whose every counter is back to zero (a message moved to another hour or variant, deleted rows) say nothing. */
const nonZero = (r: RollupSums) => ROLLUP_FIELDS.some((f) => r[f] !== 0);

function groups(c: Campaign, all: RollupRow[], by: GroupDimension[]) {
  const rows = all.filter(nonZero);
  const keyOf = new Map(c.variants.map((v) => [v.id, v.key]));
  const out = new Map<string, { key: { variant_id?: string; variant_key?: string; channel?: string }; sums: RollupSums }>();
  for (const r of rows) {
    const key: { variant_id?: string; variant_key?: string; channel?: string } = {};
    if (by.includes('variant')) {
      key.variant_id = r.variantId;
      key.variant_key = r.variantId === '' ? '(none: not sent)' : (keyOf.get(r.variantId) ?? '(removed)');
    }
    if (by.includes('channel')) key.channel = r.channel;
    const k = `${key.variant_id ?? ''}\u0000${key.channel ?? ''}`;
    const g = out.get(k) ?? { key, sums: emptySums() };
    addSums(g.sums, r);
    out.set(k, g);
  }
  return [...out.values()].sort((a, b) => (a.key.variant_key ?? '').localeCompare(b.key.variant_key ?? '') || (a.key.channel ?? '').localeCompare(b.key.channel ?? ''));
}

/** Per hour (UTC) or per calendar day in `zone`; sends by the hour sent, engagement by the hour of the hit. */
function trend(all: RollupRow[], unit: 'hour' | 'day', zone: string, includeMachineOpens: boolean): TrendPoint[] {
  const rows = all.filter(nonZero);
  const by = new Map<string, RollupSums>();
  for (const r of rows) {
    const key = unit === 'hour' ? r.bucket.toISOString() : DateTime.fromJSDate(r.bucket, { zone }).toISODate()!;
    by.set(key, addSums(by.get(key) ?? emptySums(), r));
  }
  return [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([bucket, s]) => {
      const c = countsOf(s, { includeMachineOpens });
      return { bucket, sent: c.sent, opened: c.opened, clicked: c.clicked, converted: c.converted, unsubscribed: c.unsubscribed, revenue: c.revenue };
    });
}

async function segmentBlock(ctx: HandlerContext, c: Campaign, q: MetricsQuery & { segmentId: string }, block: (s: RollupSums) => MetricsBlock) {
  const segmentId = q.segmentId;
  const segment = await ctx.store.segments.get(ctx.workspaceId, segmentId);
  if (!segment) throw notFound('segment', segmentId, 'Call list_segments to see the segments of this workspace');
  const sums = await ctx.store.segments.campaignBreakdown(ctx.workspaceId, audienceRules(segment), c.id, { now: ctx.clock.now(), ...window(q) });
  return { segment_id: segment.id, name: segment.name, ...block(sums) };
}

/** A short table for the text content; the full numbers are in structuredContent. */
export function metricsTable(m: CampaignMetrics | WorkspaceMetrics): string {
  const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);
  const n = (v: number) => v.toLocaleString('en-US');
  const c = m.counts;
  const r = m.rates;
  const head = m.scope === 'campaign' ? `Campaign "${m.campaign.name}" (${m.campaign.id}), ${m.campaign.status}: ${m.campaign.resource}` : 'Workspace, all campaigns';
  const line = (label: string, value: string, rate = '', ci = '') => `${label.padEnd(14)}${value.padStart(12)}${rate.padStart(9)}${ci.padStart(17)}`;
  const withRate = (label: string, value: number, rt: MetricRates[keyof MetricRates]) =>
    line(label, n(value), pct(rt.value), rt.low === null ? '' : `${pct(rt.low)}-${pct(rt.high)}`);
  const lines = [
    head,
    line('metric', 'count', 'rate', '95% interval'),
    line('targeted', n(c.targeted)),
    line('sent', n(c.sent)),
    line('delivered', n(c.delivered)),
    line('failed', n(c.failed)),
    withRate('opened', c.opened, r.open_rate),
    withRate('clicked', c.clicked, r.click_rate),
    withRate('click-to-open', c.clicked, r.click_to_open_rate),
    withRate('converted', c.converted, r.conversion_rate),
    withRate('unsubscribed', c.unsubscribed, r.unsubscribe_rate),
    withRate('bounced', c.bounced, r.bounce_rate),
    line('revenue', c.revenue.toFixed(2)),
  ];
  if (m.scope === 'campaign' && m.experiment) lines.push('', m.experiment.summary);
  if (m.scope === 'campaign' && m.journey) {
    const j = m.journey;
    lines.push('', `Enrollments: ${n(j.enrollments.total)} (${n(j.enrollments.active)} active, ${n(j.enrollments.completed)} completed, ${n(j.enrollments.exited)} exited)`);
    lines.push(`${'step'.padEnd(34)}${'entered'.padStart(9)}${'waiting'.padStart(9)}${'sent'.padStart(9)}${'converted'.padStart(11)}${'exited'.padStart(9)}`);
    for (const s of j.steps) lines.push(`${`${s.step} (${s.kind})`.slice(0, 33).padEnd(34)}${n(s.entered).padStart(9)}${n(s.waiting).padStart(9)}${n(s.sent).padStart(9)}${n(s.converted).padStart(11)}${n(s.exited).padStart(9)}`);
  }
  lines.push(...sendTimeLines(m.send_time, m.best_send_times));
  if (m.scope === 'workspace') {
    lines.push('', `${'campaign'.padEnd(40)}${'sent'.padStart(10)}${'open'.padStart(8)}${'click'.padStart(8)}`);
    for (const k of m.campaigns) lines.push(`${`${k.name} (${k.id})`.slice(0, 39).padEnd(40)}${n(k.counts.sent).padStart(10)}${pct(k.rates.open_rate.value).padStart(8)}${pct(k.rates.click_rate.value).padStart(8)}`);
    if (m.more_campaigns > 0) lines.push(`... and ${m.more_campaigns} more (raise limit)`);
  }
  return lines.join('\n');
}
