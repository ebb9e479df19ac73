/**
 * The demo's HTML report: one self-contained file (inline SVG and CSS, no scripts, nothing
 * fetched) with sends and engagement over time, the A/B test's arms with their 95% intervals,
 * and the campaign agent's decision. It takes the numbers get_metrics, the experiment analysis
 * and the agent's decision record return over MCP; each chart is an <svg> with a stable id and
 * a data-points count, and every mark has a <title> (its number on hover).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** One bucket of get_metrics' trend: an hour (ISO instant, UTC) or a day (YYYY-MM-DD). */
export interface TrendPoint {
  bucket: string;
  sent: number;
  opened: number;
  clicked: number;
}

/** An arm of the experiment analysis (get_metrics' experiment.analysis.arms). */
export interface ArmPoint {
  key: string;
  role: string;
  exposed: number;
  successes: number;
  rate: number | null;
  rate_ci: [number, number] | null;
}

/** A row of get_metrics' groups (group_by variant): the whole campaign, roll-out included. */
export interface VariantRow {
  variant_key?: string | undefined;
  counts: { sent: number; opened: number; clicked: number };
}

export interface ReportInput {
  title: string;
  campaign: { id: string; name: string };
  /** What the simulated week covered (ISO instants): the trend's time axis runs to its end. */
  period: { from: string; to: string };
  trend: TrendPoint[];
  experiment: { id: string; metric: string; status: string; winner: string | null; decidedBy: string | null; arms: ArmPoint[] };
  variants: VariantRow[];
  /** The true rate per arm (the simulator knows it), drawn as a marker when given. */
  truth?: Record<string, number>;
  agent: { id: string; decider: string; mode: string; rationale: string; toolCalls: Array<{ tool: string; outcome: string; input: Record<string, unknown> }> };
  notes?: string[];
}

/** Writes the report and returns its file:// URL. */
export function writeReport(path: string, input: ReportInput): string {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderReport(input));
  return pathToFileURL(file).href;
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (x: number | null, digits = 1) => (x === null ? 'n/a' : `${(x * 100).toFixed(digits)}%`);
const int = (n: number) => n.toLocaleString('en-US');
const r1 = (x: number) => Math.round(x * 10) / 10;
const when = (iso: string) => (Number.isNaN(Date.parse(iso)) ? iso : `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`);
const COLORS = { sent: '#94a3b8', opened: '#2563eb', clicked: '#f97316', winner: '#16a34a', arm: '#64748b', truth: '#dc2626' };

export function renderReport(r: ReportInput): string {
  const total = r.trend.reduce((a, p) => ({ sent: a.sent + p.sent, opened: a.opened + p.opened, clicked: a.clicked + p.clicked }), { sent: 0, opened: 0, clicked: 0 });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#0f172a;max-width:980px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.sub{color:#475569;margin:0 0 16px}
svg{background:#fff;border:1px solid #e2e8f0;border-radius:6px}svg text{font:11px system-ui,sans-serif;fill:#334155}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #e2e8f0;text-align:right}td:first-child,th:first-child{text-align:left}
.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px;border-radius:2px}
code{background:#f1f5f9;padding:1px 4px;border-radius:3px;font-size:13px}.ok{color:#16a34a}.bad{color:#dc2626}
</style></head><body>
<h1>${esc(r.title)}</h1>
<p class="sub">Campaign <b>${esc(r.campaign.name)}</b> (<code>${esc(r.campaign.id)}</code>), simulated ${esc(when(r.period.from))} to ${esc(when(r.period.to))}:
${int(total.sent)} sent, ${int(total.opened)} opened (${pct(total.sent ? total.opened / total.sent : null)}), ${int(total.clicked)} clicked (${pct(total.sent ? total.clicked / total.sent : null)}).</p>
<h2>Sends and engagement over time</h2>
<p class="legend"><span><i class="sw" style="background:${COLORS.sent}"></i>sent</span><span><i class="sw" style="background:${COLORS.opened}"></i>opened</span><span><i class="sw" style="background:${COLORS.clicked}"></i>clicked</span></p>
${trendChart(r.trend, r.period.to)}
<h2>Variant comparison: ${esc(r.experiment.metric)} rate per arm, with its 95% interval</h2>
${variantChart(r.experiment.arms, r.experiment.winner, r.truth)}
${variantTable(r.variants)}
<h2>The campaign agent's decision</h2>
${agentSection(r)}
${(r.notes ?? []).map((n) => `<p class="sub">${esc(n)}</p>`).join('\n')}
</body></html>
`;
}

/** Buckets from the first to the last (or to `end`), gaps filled with zeros, with a short label each. */
function fillBuckets(trend: TrendPoint[], end: string): Array<TrendPoint & { label: string; dayStart: boolean }> {
  if (trend.length === 0) return [];
  const daily = /^\d{4}-\d{2}-\d{2}$/.test(trend[0]!.bucket);
  const step = daily ? 86_400_000 : 3_600_000;
  const key = (t: number) => (daily ? new Date(t).toISOString().slice(0, 10) : new Date(t).toISOString().slice(0, 13));
  const parse = (b: string) => Date.parse(daily ? `${b}T00:00:00Z` : b);
  const byKey = new Map(trend.map((p) => [key(parse(p.bucket)), p]));
  const times = trend.map((p) => parse(p.bucket));
  const last = Math.max(...times, Number.isNaN(Date.parse(end)) ? -Infinity : Date.parse(end) - step);
  const out = [];
  for (let t = Math.min(...times); t <= last; t += step) {
    const p = byKey.get(key(t));
    const d = new Date(t);
    const day = d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
    out.push({
      bucket: daily ? key(t) : d.toISOString(), sent: p?.sent ?? 0, opened: p?.opened ?? 0, clicked: p?.clicked ?? 0,
      label: daily ? day : `${day} ${String(d.getUTCHours()).padStart(2, '0')}:00 UTC`, dayStart: daily || d.getUTCHours() === 0,
    });
  }
  return out;
}

/** A "nice" axis maximum and its ticks. */
function ticks(max: number): number[] {
  if (max <= 0) return [0, 1];
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, i) => i * step);
}

/** Two panels on one time axis: sends as bars above, opens and clicks as lines below. */
function trendChart(trend: TrendPoint[], end: string): string {
  const pts = fillBuckets(trend, end);
  const W = 940, left = 56, right = 16, plotW = W - left - right;
  const top = { y: 28, h: 110 }, bottom = { y: 178, h: 200 }, H = bottom.y + bottom.h + 44;
  const n = Math.max(pts.length, 1);
  const bw = plotW / n;
  const x = (i: number) => left + (i + 0.5) * bw;
  const sentTicks = ticks(Math.max(0, ...pts.map((p) => p.sent)));
  const engTicks = ticks(Math.max(0, ...pts.map((p) => p.opened)));
  const yOf = (panel: { y: number; h: number }, max: number, v: number) => panel.y + panel.h - (v / max) * panel.h;
  const axis = (panel: { y: number; h: number }, tk: number[], label: string) => {
    const max = tk[tk.length - 1]!;
    return [
      `<text x="${left}" y="${panel.y - 8}" font-weight="600">${esc(label)}</text>`,
      ...tk.map((t) => `<line x1="${left}" x2="${W - right}" y1="${r1(yOf(panel, max, t))}" y2="${r1(yOf(panel, max, t))}" stroke="#e2e8f0"/><text x="${left - 6}" y="${r1(yOf(panel, max, t) + 4)}" text-anchor="end">${int(t)}</text>`),
      `<line x1="${left}" x2="${left}" y1="${panel.y}" y2="${panel.y + panel.h}" stroke="#64748b"/>`,
      `<line x1="${left}" x2="${W - right}" y1="${panel.y + panel.h}" y2="${panel.y + panel.h}" stroke="#64748b"/>`,
    ].join('');
  };
  const sentMax = sentTicks[sentTicks.length - 1]!;
  const engMax = engTicks[engTicks.length - 1]!;
  const bars = pts
    .map((p, i) => (p.sent > 0 ? `<rect class="mark sent" x="${r1(x(i) - Math.max(bw * 0.4, 1.5))}" y="${r1(yOf(top, sentMax, p.sent))}" width="${r1(Math.max(bw * 0.8, 3))}" height="${r1((p.sent / sentMax) * top.h)}" fill="${COLORS.sent}"><title>${esc(p.label)}: ${int(p.sent)} sent</title></rect>` : ''))
    .join('');
  const line = (k: 'opened' | 'clicked') =>
    `<polyline class="mark ${k}" fill="none" stroke="${COLORS[k]}" stroke-width="1.8" points="${pts.map((p, i) => `${r1(x(i))},${r1(yOf(bottom, engMax, p[k]))}`).join(' ')}"><title>${k} per ${pts.length > 1 && pts[0]!.label.includes(':') ? 'hour' : 'day'}</title></polyline>` +
    pts.map((p, i) => (p[k] > 0 && (pts.length <= 60 || p[k] === Math.max(...pts.map((q) => q[k]))) ? `<circle class="mark ${k}" cx="${r1(x(i))}" cy="${r1(yOf(bottom, engMax, p[k]))}" r="2.5" fill="${COLORS[k]}"><title>${esc(p.label)}: ${int(p[k])} ${k}</title></circle>` : '')).join('');
  // One label per day along the shared axis (every bucket when they are days).
  const xLabels = pts
    .map((p, i) => (p.dayStart || i === 0 ? `<line x1="${r1(left + i * bw)}" x2="${r1(left + i * bw)}" y1="${bottom.y + bottom.h}" y2="${bottom.y + bottom.h + 5}" stroke="#64748b"/><text x="${r1(left + i * bw + 3)}" y="${bottom.y + bottom.h + 18}">${esc(p.label.replace(/ \d\d:00 UTC$/, ''))}</text>` : ''))
    .join('');
  const unit = pts.length > 1 && pts[0]!.label.includes(':') ? 'hour, UTC' : 'day';
  return `<svg id="chart-trend" role="img" aria-label="Sends, opens and clicks per ${unit}" data-points="${pts.length}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">
<title>Sends, opens and clicks per ${unit}</title>
${axis(top, sentTicks, `messages sent per ${unit}`)}${bars}
${axis(bottom, engTicks, `opened and clicked per ${unit}`)}${line('opened')}${line('clicked')}
${xLabels}<text x="${left + plotW / 2}" y="${H - 6}" text-anchor="middle">time (UTC)</text>
</svg>`;
}

/** One bar per arm at its rate, with the 95% interval as an error bar (and the true rate, when known). */
function variantChart(arms: ArmPoint[], winner: string | null, truth: Record<string, number> | undefined): string {
  const W = 940, left = 56, right = 16, top = 24, plotH = 240, H = top + plotH + 56;
  const highest = Math.max(0.01, ...arms.map((a) => Math.max(a.rate_ci?.[1] ?? a.rate ?? 0, truth?.[a.key] ?? 0)));
  const tk = ticks(highest * 100).map((t) => t / 100);
  const max = tk[tk.length - 1]!;
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const slot = (W - left - right) / Math.max(arms.length, 1);
  const marks = arms
    .map((a, i) => {
      const cx = left + (i + 0.5) * slot;
      const bw = Math.min(120, slot * 0.5);
      const color = a.key === winner ? COLORS.winner : COLORS.arm;
      const parts = [];
      if (a.rate !== null) parts.push(`<rect class="mark arm" x="${r1(cx - bw / 2)}" y="${r1(y(a.rate))}" width="${r1(bw)}" height="${r1(top + plotH - y(a.rate))}" fill="${color}" opacity="0.85"><title>${esc(a.key)}: ${pct(a.rate, 2)} (${int(a.successes)} of ${int(a.exposed)})</title></rect>`);
      if (a.rate_ci) {
        const [lo, hi] = a.rate_ci;
        parts.push(`<g class="mark ci" stroke="#0f172a" stroke-width="1.6"><title>${esc(a.key)}: 95% interval ${pct(lo, 2)} to ${pct(hi, 2)}</title><line x1="${r1(cx)}" x2="${r1(cx)}" y1="${r1(y(lo))}" y2="${r1(y(hi))}"/><line x1="${r1(cx - 12)}" x2="${r1(cx + 12)}" y1="${r1(y(lo))}" y2="${r1(y(lo))}"/><line x1="${r1(cx - 12)}" x2="${r1(cx + 12)}" y1="${r1(y(hi))}" y2="${r1(y(hi))}"/></g>`);
      }
      const t = truth?.[a.key];
      if (t !== undefined) parts.push(`<line class="truth" x1="${r1(cx - bw / 2 - 6)}" x2="${r1(cx + bw / 2 + 6)}" y1="${r1(y(t))}" y2="${r1(y(t))}" stroke="${COLORS.truth}" stroke-dasharray="5 3" stroke-width="1.6"><title>${esc(a.key)}: expected rate ${pct(t, 2)}</title></line>`);
      parts.push(`<text x="${r1(cx)}" y="${top + plotH + 18}" text-anchor="middle" font-weight="600">${esc(a.key)}${a.key === winner ? ' (winner)' : a.role === 'control' ? ' (control)' : ''}</text>`);
      parts.push(`<text x="${r1(cx)}" y="${top + plotH + 34}" text-anchor="middle">${pct(a.rate, 2)} [${a.rate_ci ? `${pct(a.rate_ci[0], 2)}, ${pct(a.rate_ci[1], 2)}` : 'n/a'}], n=${int(a.exposed)}</text>`);
      return parts.join('');
    })
    .join('\n');
  const grid = tk.map((t) => `<line x1="${left}" x2="${W - right}" y1="${r1(y(t))}" y2="${r1(y(t))}" stroke="#e2e8f0"/><text x="${left - 6}" y="${r1(y(t) + 4)}" text-anchor="end">${pct(t, 0)}</text>`).join('');
  return `<svg id="chart-variants" role="img" aria-label="Rate per arm with 95% intervals" data-points="${arms.length}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">
<title>Rate per arm with its 95% interval${truth ? ' (dashed red: the expected rate from the ground truth)' : ''}</title>
${grid}<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#64748b"/><line x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#64748b"/>
${marks}
</svg>${truth ? `<p class="legend"><span><i class="sw" style="background:${COLORS.truth}"></i>dashed: the rate the simulator's ground truth expects</span><span>bars: measured rate; whiskers: 95% interval</span></p>` : ''}`;
}

function variantTable(rows: VariantRow[]): string {
  if (rows.length === 0) return '';
  const body = rows
    .map((v) => {
      const c = v.counts;
      return `<tr><td>${esc(v.variant_key ?? '?')}</td><td>${int(c.sent)}</td><td>${int(c.opened)}</td><td>${pct(c.sent ? c.opened / c.sent : null)}</td><td>${int(c.clicked)}</td><td>${pct(c.sent ? c.clicked / c.sent : null)}</td></tr>`;
    })
    .join('');
  return `<table id="variants-table"><caption style="text-align:left;color:#475569">Every recipient of each variant (test group and roll-out)</caption><tr><th>variant</th><th>sent</th><th>opened</th><th>open rate</th><th>clicked</th><th>click rate</th></tr>${body}</table>`;
}

function agentSection(r: ReportInput): string {
  const a = r.agent;
  const e = r.experiment;
  const calls = a.toolCalls
    .map((c) => `<li><span class="${c.outcome === 'ok' ? 'ok' : 'bad'}">${esc(c.outcome)}</span> <code>${esc(c.tool)}</code> <code>${esc(JSON.stringify(c.input))}</code></li>`)
    .join('');
  return `<div id="agent-decision">
<p>Decision <code>${esc(a.id)}</code> (${esc(a.decider)}, ${esc(a.mode)} mode): ${esc(a.rationale)}</p>
<ul>${calls || '<li>no tool calls</li>'}</ul>
<p>Experiment <code>${esc(e.id)}</code> is <b>${esc(e.status)}</b>${e.winner ? `: winner <b>${esc(e.winner)}</b>` : ''}${e.decidedBy ? `, decided by <code>${esc(e.decidedBy)}</code>` : ''}.</p>
</div>`;
}
