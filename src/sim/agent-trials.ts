/**
 * Seeded end-to-end trials of the campaign agent's deterministic policy on the simulator, through
 * the real server: a population (5% without email consent, 3% suppressed) whose true click rates
 * per subject line are known, a budget, a daily cap of one, quiet hours on email; an A/B test with
 * manual roll-out started through MCP; simulated people engaging hour by hour on a simulated
 * clock; the agent ticking every six simulated hours until it has rolled a winner out (or a week
 * has passed). Afterwards, from the ledger: was the winner the truly better line, and did any
 * delivered message break consent, suppression, the cap, quiet hours or the budget?
 * Used by test/agent/agent-acceptance.test.ts and bench/agent.ts.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { createAgentRunner } from '../agent/loop.js';
import { buildApp, localPrincipal } from '../app.js';
import { loadConfig } from '../config.js';
import type { Logger } from '../domain/ports.js';
import { offsetMs } from '../domain/sendtime/local-slots.js';
import type { Registry } from '../server/create.js';
import { connectInProcess } from '../server/in-process.js';
import { SimClock } from './clock.js';
import { simulatedJobs } from './jobs.js';
import { createSimulator } from './driver.js';
import { generatePopulation } from './population.js';
import { streamOf } from './random.js';

const HOUR = 3_600_000;

export interface AgentTrialOptions {
  seed: number;
  /** A fresh database per trial (SQLite path or PostgreSQL URL). */
  databaseUrl: string;
  registry: Registry;
  log: Logger;
  users?: number;
  /** True click rates (per open) of the worse and the better subject line; which key is better is drawn per seed. */
  clickRates?: [number, number];
}

export interface AgentTrialResult {
  seed: number;
  better: 'A' | 'B';
  winner: string | null;
  rolledOut: boolean;
  ticks: number;
  violations: { consent: number; suppressed: number; cap: number; quiet: number; budget: number };
  ms: number;
}

export async function runAgentTrial(o: AgentTrialOptions): Promise<AgentTrialResult> {
  const started = Date.now();
  const users = o.users ?? 3000;
  const [low, high] = o.clickRates ?? [0.08, 0.2];
  const r = streamOf(o.seed, 'agent-trial');
  const better = r.float() < 0.5 ? 'A' : 'B';
  const variants = { A: { open: 0.5, click: better === 'A' ? high : low }, B: { open: 0.5, click: better === 'B' ? high : low } };
  const clock = new SimClock(new Date('2026-12-01T06:00:00Z'));
  const config = loadConfig({
    DATABASE_URL: o.databaseUrl, LOG_LEVEL: 'silent', QUIET_HOURS: '21:00-08:00', QUIET_HOURS_CHANNELS: 'email', FREQUENCY_CAP_PER_DAY: '1', FREQUENCY_CAP_PER_WEEK: '0',
  });
  const app = await buildApp(config, { log: o.log, clock });
  const ws = `trial${o.seed}`;
  try {
    app.ctx.agent = createAgentRunner(app.ctx, o.registry, null);
    const population = generatePopulation({ seed: o.seed, size: users, variants });
    const sim = createSimulator({ store: app.store, tracking: app.ctx.tracking, clock }, { workspaceId: ws, population });
    await sim.load();
    // Some people may not be emailed: no consent, or suppressed.
    const x = app.store.executor;
    const noConsent = population.users.filter((_, i) => i % 20 === 7).map((u) => u.id);
    const suppressed = population.users.filter((_, i) => i % 33 === 5).map((u) => u.id);
    await x.run((db) => db.update(x.t.users).set({ consentEmail: false }).where(and(eq(x.t.users.workspaceId, ws), inArray(x.t.users.id, noConsent))));
    const client = await connectInProcess(app.ctx, localPrincipal(ws), o.registry, 'agent-trial');
    const call = async (tool: string, args: Record<string, unknown>) => {
      const res = await client.callTool(tool, args);
      if (res.isError) throw new Error(`${tool}: ${res.text}`);
      return res.structured as Record<string, any>;
    };
    for (const id of suppressed) await call('update_suppression', { user_id: id, action: 'add', channel: 'all', reason: 'manual' });
    const seg = await call('define_segment', { name: 'All', rules: { version: 1, root: { kind: 'consent', channel: 'email', subscribed: true } } });
    const budget = Math.round(users * 0.8);
    const c = await call('create_campaign', {
      name: 'Subject lines', segment_id: seg.segment.id, channels: ['email'], budget_credits: budget,
      variants: ['A', 'B'].map((k) => ({ key: k, subject: `Subject ${k}`, body: 'Hi {{ first_name }}: https://shop.example/sale', html: `<p>Hi {{ first_name }}, <a href="https://shop.example/sale">offer ${k}</a></p>` })),
      goal: { metric: 'click', attribution_window_hours: 24 },
      agent: { enabled: true, goal: 'maximize_engagement', mode: 'autopilot' },
    });
    const campaignId = c.campaign.id as string;
    await call('configure_agent', { mode: 'autopilot' });
    const started2 = await call('run_ab_test', { campaign_id: campaignId, metric: 'click', test_share: 0.5, rollout: 'manual', confirm: true, idempotency_key: `agent-trial-${o.seed}` });
    const experimentId = started2.experiment.id as string;

    const runJobs = simulatedJobs({ queue: app.store.jobs, handlers: app.jobHandlers, clock, log: o.log, owner: 'agent-trial' });
    let ticks = 0;
    const t0 = clock.now().getTime();
    for (let h = 1; h <= 7 * 24; h++) {
      const until = t0 + h * HOUR;
      await runJobs(until);
      clock.set(new Date(until));
      await sim.engage({ campaignId, until: new Date(until) });
      if (h % 6 === 0) {
        await app.ctx.agent.tick(ws, 'trial: every 6 simulated hours');
        ticks++;
        const e = await app.store.experiments.get(ws, experimentId);
        if (e?.status === 'rolled_out' || e?.status === 'stopped') {
          await runJobs(until + 48 * HOUR);
          break;
        }
      }
    }
    await client.close();
    const e = (await app.store.experiments.get(ws, experimentId))!;
    return { seed: o.seed, better, winner: e.decision?.winnerKey ?? null, rolledOut: e.status === 'rolled_out', ticks, violations: await violations(app, ws, campaignId, budget), ms: Date.now() - started };
  } finally {
    await app.close();
  }
}

/** Delivered messages that break a rule, counted from the ledger. */
async function violations(app: Awaited<ReturnType<typeof buildApp>>, ws: string, campaignId: string, budget: number): Promise<AgentTrialResult['violations']> {
  const x = app.store.executor;
  const m = x.t.messages;
  const u = x.t.users;
  const s = x.t.suppressions;
  const rows = await x.run((db) =>
    db
      .select({ userId: m.userId, sentAt: m.sentAt, consent: u.consentEmail, timezone: u.timezone })
      .from(m)
      .innerJoin(u, and(eq(u.workspaceId, m.workspaceId), eq(u.id, m.userId)))
      .where(and(eq(m.workspaceId, ws), inArray(m.status, ['sent', 'delivered']))),
  );
  const supp = new Set((await x.run((db) => db.select({ userId: s.userId }).from(s).where(eq(s.workspaceId, ws)))).map((r) => r.userId));
  const perDay = new Map<string, number>();
  let consent = 0;
  let suppressed = 0;
  let quiet = 0;
  for (const r of rows) {
    if (!r.consent) consent++;
    if (supp.has(r.userId)) suppressed++;
    const t = new Date(r.sentAt!).getTime();
    const local = t + offsetMs(t, r.timezone);
    const hour = Math.floor(local / HOUR) % 24;
    if (hour >= 21 || hour < 8) quiet++;
    const key = `${r.userId}|${Math.floor(local / (24 * HOUR))}`;
    perDay.set(key, (perDay.get(key) ?? 0) + 1);
  }
  const cap = [...perDay.values()].filter((n) => n > 1).length;
  const campaign = (await app.store.campaigns.get(ws, campaignId))!;
  return { consent, suppressed, cap, quiet, budget: campaign.credits_spent > budget ? 1 : 0 };
}

