/** The README's main job, end to end through the real CLI (with a small population). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { sqliteDatabase } from './helpers/db.js';

describe('agentic-campaign demo', () => {
  const db = sqliteDatabase();
  afterAll(() => db.drop());

  it('seeds, then tells the campaign story through MCP', async () => {
    const report = join(dirname(db.url), 'report.html');
    const r = await runCli(['demo', '--users', '500', '--report', report], { DATABASE_URL: db.url });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/500 users, [\d,]+ events/);
    expect(r.stdout).toMatch(/Connected over MCP: \d+ tools \(create_campaign, /);
    expect(r.stdout).toMatch(/cmp_[0-9a-f]{32} is a draft; variants A \(50%\)/);
    expect(r.stdout).toContain('variants[0] has no subject, which the email channel needs');
    expect(r.stdout).toMatch(/\d+ in the segment, \d+ would receive it/);
    expect(r.stdout).toContain('sending without confirmation is refused: dry_run: false needs confirm: true');
    expect(r.stdout).toContain('the same call again schedules nothing new (created: false)');
    expect(r.stdout).toMatch(/campaign completed: \{"targeted":\d+/);
    expect(r.stdout).toContain('completed -> archived');
    expect(r.stdout).toContain("Cannot resume a campaign that is 'archived'");
    expect(r.stdout).toMatch(/render -> "\S+, winter picks in running shoes" \(reads first_name, preferences\)/);
    expect(r.stdout).toMatch(/adapt \(rules\) -> "Your next run starts here: 20% off running gear until Sunday\."; (\d+)\/\1 checks passed/);
    // The A/B chapter, on the simulator: the agent (autopilot, through run_agent) decides for the truly better subject line and rolls it out.
    expect(r.stdout).toContain('configure_agent {mode: autopilot} -> agent: mode autopilot');
    expect(r.stdout).toMatch(/Plan \(nothing started\): audience 3,000, test group 1,500/);
    expect(r.stdout).toMatch(/hour \d+: run_agent -> dec_[0-9a-f]{32} done \(policy, autopilot\)\n {5}rationale: \[dec_[0-9a-f]{32}\] 2 actions: /);
    expect(r.stdout).toMatch(/ {5}ok {7}decide_experiment \{"experiment_id":"exp_[0-9a-f]{32}","action":"decide"/);
    expect(r.stdout).toMatch(/ {5}ok {7}decide_experiment \{"experiment_id":"exp_[0-9a-f]{32}","action":"rollout"\}/);
    expect(r.stdout).toMatch(/experiment rolled_out: winner B, decided by agent:dec_[0-9a-f]{32}; rolled out to the other half/);
    expect(r.stdout).toMatch(/a week of engagement on the simulated clock \(to 2026-12-08T12:00Z/);
    expect(r.stdout).toMatch(/Experiment exp_[0-9a-f]{32} \(rolled_out\) on click, always_valid/);
    expect(r.stdout).toContain('roll-out: campaign completed, 3000 messages delivered in all');
    expect(r.stdout).toContain(`HTML report (sends and engagement over the week, the arms with their 95% intervals, the agent's decision): ${pathToFileURL(report).href}`);
    expect(readFileSync(report, 'utf8')).toMatch(/<svg id="chart-trend"[^>]* data-points="168"/);
    expect(r.stdout).toMatch(/invents an offer -> alternate 1 failed the checks \(.*unsubscribe.*'90%'.*'RUN90'.*\); the plain render is returned/);
  });

  it('runs again on the same database (it starts from an empty workspace)', async () => {
    const r = await runCli(['demo', '--users', '300', '--no-report'], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/campaign completed: \{"targeted":\d+/);
    expect(r.stdout).not.toContain('HTML report');
  }, 90_000);

  it('rejects bad options with a usage message', async () => {
    const r = await runCli(['demo', '--users', 'lots'], { DATABASE_URL: db.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--users must be a whole number from 100 to 5000000 (got 'lots')");
  });
});
