/**
 * The demo's HTML report: runDemo (small population) writes it from the numbers of its simulated
 * week, and headless Chromium (playwright-core, the system's /usr/bin/chromium) renders it: the
 * charts are there with drawn marks, the agent's decision is in the text, nothing is fetched, and
 * a screenshot comes out. Without Chromium the browser test skips loudly, except in CI
 * (CI or REQUIRE_SERVICES=1), where that is a failure.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { renderReport, type ReportInput } from '../src/demo/report.js';
import { runDemo } from '../src/demo/run.js';
import { silentLogger } from '../src/log.js';
import { requireServices } from './helpers/db.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const required = requireServices || Boolean(process.env.CI);
if (!haveChromium && !required) console.warn(`\n!!! ${CHROMIUM} not found: the demo report's browser test is SKIPPED (apt-get install chromium)\n`);

describe('demo report (pure)', () => {
  const input: ReportInput = {
    title: 'T <script>',
    campaign: { id: 'cmp_x', name: 'N & co' },
    period: { from: '2026-12-01T12:00:00.000Z', to: '2026-12-02T12:00:00.000Z' },
    trend: [
      { bucket: '2026-12-01T12:00:00.000Z', sent: 100, opened: 10, clicked: 2 },
      { bucket: '2026-12-01T15:00:00.000Z', sent: 0, opened: 5, clicked: 1 },
    ],
    experiment: { id: 'exp_x', metric: 'click', status: 'rolled_out', winner: 'B', decidedBy: 'agent:dec_x', arms: [
      { key: 'A', role: 'control', exposed: 50, successes: 1, rate: 0.02, rate_ci: [0.004, 0.1] },
      { key: 'B', role: 'variant', exposed: 50, successes: 5, rate: 0.1, rate_ci: [0.04, 0.21] },
    ] },
    variants: [],
    agent: { id: 'dec_x', decider: 'policy', mode: 'autopilot', rationale: 'B wins', toolCalls: [{ tool: 'decide_experiment', outcome: 'ok', input: { action: 'rollout' } }] },
  };

  it('escapes text, fills the hours up to the end of the period and needs nothing from outside', () => {
    const html = renderReport(input);
    expect(html).toContain('T &lt;script&gt;');
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).toMatch(/<svg id="chart-trend"[^>]* data-points="24"/);
    expect(html).toMatch(/<svg id="chart-variants"[^>]* data-points="2"/);
    expect(html).toContain('12:00 UTC: 100 sent');
  });

  it('draws daily buckets and an empty trend without failing', () => {
    expect(renderReport({ ...input, trend: [{ bucket: '2026-12-01', sent: 3, opened: 1, clicked: 0 }, { bucket: '2026-12-03', sent: 0, opened: 1, clicked: 1 }] })).toMatch(/data-points="3"/);
    expect(renderReport({ ...input, trend: [], experiment: { ...input.experiment, arms: [] } })).toMatch(/<svg id="chart-trend"[^>]* data-points="0"/);
  });
});

describe.skipIf(!haveChromium && !required)('demo report in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ac-demo-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders the charts and the agent decision from a small demo run', async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is required in CI for the demo report test: apt-get install -y chromium`);
    let out = '';
    const sink = new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) });
    const reportPath = join(dir, 'reports', 'demo-report.html');
    const config = loadConfig({ DATABASE_URL: join(dir, 'demo.db'), LOG_LEVEL: 'silent' });
    await runDemo(config, silentLogger, { users: 300, seed: 1, workspaceId: 'demo', out: sink, report: reportPath });
    expect(out).toContain(`HTML report (sends and engagement over the week, the arms with their 95% intervals, the agent's decision): ${pathToFileURL(reportPath).href}`);
    expect(existsSync(reportPath)).toBe(true);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1024, height: 800 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(reportPath).href);
      const png = join(dir, 'demo-report.png');
      await page.screenshot({ path: png, fullPage: true });
      const bytes = readFileSync(png);
      expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
      expect(bytes.length).toBeGreaterThan(20_000);

      const count = (selector: string) => page.locator(selector).count();
      const trend = page.locator('svg#chart-trend');
      const variants = page.locator('svg#chart-variants');
      // A week of hours, with sends (the test group, then the roll-out) and two engagement lines.
      expect(await trend.count()).toBe(1);
      expect(await trend.getAttribute('data-points')).toBe('168');
      expect((await trend.boundingBox())!.width).toBeGreaterThan(500);
      expect(await count('#chart-trend rect.mark.sent')).toBeGreaterThanOrEqual(2);
      expect(await count('#chart-trend polyline.mark')).toBe(2);
      expect(await count('#chart-trend circle.mark')).toBeGreaterThan(0);
      expect(await count('#chart-trend title')).toBeGreaterThan(3);
      // Both arms, each with its 95% interval.
      expect(await variants.count()).toBe(1);
      expect(await variants.getAttribute('data-points')).toBe('2');
      expect((await variants.boundingBox())!.height).toBeGreaterThan(100);
      expect(await count('#chart-variants rect.mark.arm')).toBe(2);
      expect(await count('#chart-variants g.mark.ci')).toBe(2);
      // The agent's decision: rationale, its tool calls with outcomes, and the roll-out.
      const agent = ((await page.locator('#agent-decision').textContent()) ?? '').replace(/\s+/g, ' ');
      expect(agent).toMatch(/Decision dec_[0-9a-f]{32} \(policy, autopilot mode\)/);
      const rationale = /^ {5}rationale: (.+)$/m.exec(out)?.[1];
      expect(rationale, out).toBeDefined();
      expect(agent).toContain(rationale!.replace(/\s+/g, ' '));
      expect(agent).toMatch(/ok decide_experiment \{[^}]*"action":"decide"/);
      expect(agent).toMatch(/ok decide_experiment \{[^}]*"action":"rollout"/);
      expect(agent).toMatch(/is rolled_out: winner B, decided by agent:dec_[0-9a-f]{32}/);
      // Self-contained: the page fetched nothing but itself.
      expect(requests).toEqual([pathToFileURL(reportPath).href]);
    } finally {
      await browser.close();
    }
  }, 180_000);
});
