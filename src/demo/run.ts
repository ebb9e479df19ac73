/**
 * The end-to-end story on the embedded default, told through a real MCP client exactly as a
 * marketer's assistant would drive it. It grows as capabilities land; today: seed a population,
 * score it, define segments in words, create a campaign, preview and send it (a worker delivers
 * through the embedded channel), manage campaigns through the tools and resources, and run an A/B
 * test on the campaign simulator (./experiment.ts).
 */
import type { Writable } from 'node:stream';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { tools } from '../../tools/index.js';
import { buildApp, localPrincipal } from '../app.js';
import type { Config } from '../config.js';
import type { Logger } from '../domain/ports.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { createWorker } from '../engine/worker.js';
import { connectInProcess, type InProcessClient } from '../server/in-process.js';
import { runSeed } from '../seed/index.js';
import { experimentChapter } from './experiment.js';
import { writeReport } from './report.js';
import type { Executor } from '../store/executor.js';
import { eq } from 'drizzle-orm';

export interface DemoOptions {
  users: number;
  seed: number;
  workspaceId: string;
  out: Writable;
  /** Where to write the HTML report; null: none. */
  report: string | null;
}

export const DEFAULT_REPORT_PATH = 'reports/demo-report.html';

export async function runDemo(config: Config, log: Logger, opts: DemoOptions): Promise<void> {
  const say = (line = '') => opts.out.write(`${line}\n`);
  const app = await buildApp(config, { log });
  await app.store.workspaces.ensure(opts.workspaceId);
  await clearWorkspace(app.store.executor, opts.workspaceId);
  try {
    say(`agentic-campaign demo on ${app.store.dialect} (${config.DATABASE_URL}), workspace '${opts.workspaceId}'`);
    say();
    say(`1. Seeding ${opts.users.toLocaleString()} synthetic users with 90 days of events (seed ${opts.seed})`);
    const seeded = await runSeed(app.store.executor, { workspaceId: opts.workspaceId, users: opts.users, days: 90, seed: opts.seed, reset: true });
    say(`   ${seeded.users.toLocaleString()} users, ${seeded.events.toLocaleString()} events in ${(seeded.ms / 1000).toFixed(1)} s`);
    const aggregatesStarted = Date.now();
    await app.store.events.rebuildAggregates(opts.workspaceId);
    say(`   per-user event aggregates built in ${((Date.now() - aggregatesStarted) / 1000).toFixed(1)} s`);

    const client = await connectInProcess(app.ctx, localPrincipal(opts.workspaceId), { tools, resources, prompts }, 'demo');
    const worker = createWorker({ queue: app.store.jobs, handlers: app.jobHandlers, clock: app.ctx.clock, log, owner: 'demo', pollMs: 50 });
    const sendsUntilDone = async (campaignId: string) => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        await worker.drain();
        const c = await app.store.campaigns.get(opts.workspaceId, campaignId);
        if (c?.status === 'completed' || Date.now() > deadline) return;
        await sleep(100);
      }
    };
    // What the platform's memory service would have learned from a conversation with the person.
    const remember = async (userId: string, subject: string, value: string) => {
      const x = app.store.executor;
      const now = app.ctx.clock.now();
      await x.run((db) =>
        db.insert(x.t.memories).values({
          workspaceId: opts.workspaceId, id: `mem_demo_${userId}`, userId, memoryType: 'factual', subject, predicate: 'is', objectValue: value,
          eventType: null, content: `${subject} is ${value}`, importance: 0.9, confidence: 0.9, createdAt: now,
        }).onConflictDoNothing(),
      );
    };
    try {
      await story(client, say, sendsUntilDone, remember);
    } finally {
      await client.close();
    }
  } finally {
    await app.close();
  }
  const week = await experimentChapter(config, log, { workspaceId: `${opts.workspaceId}-ab`, seed: opts.seed, say, clear: clearWorkspace, step: 15 });
  if (opts.report) {
    say();
    say(`16. HTML report (sends and engagement over the week, the arms with their 95% intervals, the agent's decision): ${writeReport(opts.report, week)}`);
  }
  say();
  say('Done. Also there: triggered campaigns and journeys (create_journey, activate_campaign), send-time optimization (schedule_send optimal) and the agent loop in the servers (the agent command, configure_agent, review_proposal in propose mode); see the README.');
}

async function story(
  client: InProcessClient,
  say: (line?: string) => void,
  sendsUntilDone: (campaignId: string) => Promise<void>,
  remember: (userId: string, subject: string, value: string) => Promise<void>,
): Promise<void> {
  const toolList = await client.listTools();
  say();
  say(`2. Connected over MCP: ${toolList.length} tools (${toolList.map((t) => t.name).join(', ')})`);

  say();
  say('3. refresh_scores: RFM, churn risk (BG/NBD) and LTV (Gamma-Gamma) from purchase history');
  const scores = await expectOk(client, 'refresh_scores', {});
  const bg = (scores.params as { bgnbd: { r: number; alpha: number; a: number; b: number } | null }).bgnbd;
  say(`   ${scores.scored} customers scored in ${scores.ms} ms${bg ? `; BG/NBD r=${bg.r.toFixed(3)} alpha=${bg.alpha.toFixed(2)} a=${bg.a.toFixed(3)} b=${bg.b.toFixed(3)}` : ''}`);
  for (const note of scores.notes as string[]) say(`   note: ${note}`);

  say();
  const description =
    'Find all users who: have been active in the last 30 days; have a churn risk score > 0.7; have not received a marketing email in 14 days; are on pro or max subscription tier';
  say(`4. define_segment_nl: "${description}"`);
  const segmentOut = await expectOk(client, 'define_segment_nl', { description, name: 'At-risk paying users', sample_size: 3 });
  for (const clause of segmentOut.clauses as Array<{ text: string; restatement: string }>) say(`   "${clause.text}" -> ${clause.restatement}`);
  say(`   ${segmentOut.estimated_size} users match (interpreter: ${segmentOut.interpreter}); sample: ${(segmentOut.sample as Array<{ user_id: string; tier: string }>).map((u) => `${u.user_id} (${u.tier})`).join(', ') || 'none'}`);
  const broadText = 'users on the pro or max tier who have been active in the last 30 days';
  const broad = await expectOk(client, 'define_segment_nl', { description: broadText, name: 'Active paying users' });
  say(`   a broader audience, "${broadText}": ${broad.estimated_size} users`);
  const segmentId = (broad.segment as { id: string }).id;
  const unclear = await client.callTool('define_segment_nl', { description: 'users on the platinum tier who love cats', dry_run: true });
  say(`   an unclear description fails instead of guessing: ${unclear.text}`);

  say();
  say('5. create_campaign: a one-time email to that segment with two subject lines to test');
  const created = await expectOk(client, 'create_campaign', {
    name: 'Winter win-back',
    segment_id: segmentId,
    description: 'Bring back pro and max users who went quiet',
    channels: ['email'],
    variants: [
      { key: 'A', subject: 'We saved your seat, {{first_name}}', body: 'Come back this week and get 20% off your next month.' },
      { key: 'B', subject: 'Your winter offer is inside', body: 'Come back this week and get 20% off your next month.' },
    ],
    goal: { metric: 'conversion', event_type: 'purchase', attribution_window_hours: 72 },
    budget_credits: 50_000,
  });
  const campaign = created.campaign as { id: string; status: string; variants: Array<{ key: string; weight: number; subject: string }> };
  say(`   ${campaign.id} is a ${campaign.status}; variants ${campaign.variants.map((v) => `${v.key} (${v.weight * 100}%): "${v.subject}"`).join(', ')}`);

  say();
  say('6. A mistake gets a clear error and changes nothing:');
  const bad = await client.callTool('create_campaign', { name: 'Oops', channels: ['email'], variants: [{ body: 'no subject' }] });
  say(`   -> ${bad.text}`);

  say();
  say('7. Edit the draft (create_campaign with campaign_id): raise the budget');
  const edited = await expectOk(client, 'create_campaign', {
    campaign_id: campaign.id,
    name: 'Winter win-back',
    segment_id: segmentId,
    channels: ['email'],
    variants: [
      { key: 'A', subject: 'We saved your seat, {{first_name}}', body: 'Come back this week and get 20% off your next month.', weight: 1 },
      { key: 'B', subject: 'Your winter offer is inside', body: 'Come back this week and get 20% off your next month.', weight: 1 },
    ],
    goal: { metric: 'conversion', event_type: 'purchase', attribution_window_hours: 72 },
    budget_credits: 80_000,
  });
  say(`   version ${(edited.campaign as { version: number }).version}, budget ${(edited.campaign as { budget_credits: number }).budget_credits} credits`);

  say();
  say('8. schedule_send, dry run first: what a send now would do, rule by rule');
  const preview = (await expectOk(client, 'schedule_send', { campaign_id: campaign.id, sample_size: 1 })).preview as {
    segment_size: number;
    eligible: number;
    dropped: Record<string, number>;
    estimated_credits: number;
    samples: Array<{ user_id: string; subject: string | null }>;
  };
  const drops = Object.entries(preview.dropped).filter(([, n]) => n > 0).map(([rule, n]) => `${rule} ${n}`).join(', ') || 'none';
  say(`   ${preview.segment_size} in the segment, ${preview.eligible} would receive it; left out: ${drops}; ${preview.estimated_credits} credits`);
  if (preview.samples[0]) say(`   sample for ${preview.samples[0].user_id}: "${preview.samples[0].subject}"`);
  const unconfirmed = await client.callTool('schedule_send', { campaign_id: campaign.id, dry_run: false });
  say(`   sending without confirmation is refused: ${unconfirmed.text}`);
  const sendArgs = { campaign_id: campaign.id, confirm: true, idempotency_key: 'demo-winter-win-back' };
  const scheduled = await expectOk(client, 'schedule_send', sendArgs);
  say(`   confirmed: schedule ${(scheduled.schedule as { id: string }).id}; the worker sends through the embedded local channel...`);
  await sendsUntilDone(campaign.id);
  const again = await expectOk(client, 'schedule_send', sendArgs);
  say(`   the same call again schedules nothing new (created: ${String(again.created)})`);
  const sent = JSON.parse(await client.readResource(`campaign://${campaign.id}`)) as { campaign: { status: string; credits_spent: number }; counters: Record<string, number> };
  say(`   campaign ${sent.campaign.status}: ${JSON.stringify(sent.counters)}, ${sent.campaign.credits_spent} credits spent`);
  const metrics = await client.callTool('get_metrics', { campaign_id: campaign.id, trend: 'none' });
  say('   get_metrics (opens and clicks arrive through the tracking links once `http` serves them):');
  for (const line of metrics.text.split('\n').slice(1, 9)) say(`     ${line}`);

  say();
  say('9. A weekly digest on a cron schedule in the user-facing time zone');
  await expectOk(client, 'create_campaign', {
    name: 'Monday digest',
    type: 'recurring',
    channels: ['email', 'push'],
    variants: [{ subject: 'Your week ahead', body: 'Here is what is new this week.' }],
    schedule: { cron: '0 9 * * MON', timezone: 'Europe/Paris' },
  });

  say();
  say('10. list_campaigns');
  const listed = await expectOk(client, 'list_campaigns', { limit: 10 });
  for (const c of listed.campaigns as Array<{ id: string; name: string; status: string; type: string; channels: string[] }>) {
    say(`   ${c.id}  ${c.status.padEnd(9)} ${c.type.padEnd(10)} ${c.channels.join('+').padEnd(11)} ${c.name}`);
  }

  say();
  say('11. Lifecycle: archive the finished campaign, then try to resume it');
  const archived = await expectOk(client, 'update_campaign_status', { campaign_id: campaign.id, action: 'archive', reason: 'demo' });
  say(`   ${archived.previous_status} -> ${archived.status}`);
  const refused = await client.callTool('update_campaign_status', { campaign_id: campaign.id, action: 'resume' });
  say(`   resume -> ${refused.text}`);

  say();
  say(`12. Resource campaign://${campaign.id}`);
  const state = JSON.parse(await client.readResource(`campaign://${campaign.id}`)) as {
    campaign: { status_history: Array<{ status: string; by: string }> };
    counters: Record<string, number>;
  };
  say(`   history: ${state.campaign.status_history.map((h) => `${h.status} (by ${h.by})`).join(' -> ')}`);
  say(`   counters: ${JSON.stringify(state.counters)}`);
  say();
  say();
  const someone = (segmentOut.sample as Array<{ user_id: string }>)[0] ?? (broad.sample as Array<{ user_id: string }>)[0];
  if (someone) {
    const profile = JSON.parse(await client.readResource(`user://${someone.user_id}/360`)) as {
      subscription: { tier_code: string } | null;
      activity: { total_events: number; revenue: number; last_seen: string | null };
      scores: { rfm_segment: string | null; churn_risk: number | null } | null;
      segments: Array<{ name: string }>;
    };
    say(`13. Resource user://${someone.user_id}/360`);
    say(`   tier ${profile.subscription?.tier_code}, ${profile.activity.total_events} events, revenue $${profile.activity.revenue.toFixed(2)}, last seen ${profile.activity.last_seen}`);
    say(`   RFM ${profile.scores?.rfm_segment ?? 'n/a'}, churn risk ${profile.scores?.churn_risk?.toFixed(2) ?? 'n/a'}; segments: ${profile.segments.map((x) => x.name).join(', ') || 'none'}`);
    say();

    say(`14. Personalization: a saved template, rendered and adapted for ${someone.user_id}`);
    const footer = 'Unsubscribe: https://shop.example/unsubscribe';
    const template = (await expectOk(client, 'create_template', {
      name: 'Winter picks',
      channel: 'email',
      subject: '{{ first_name | default: "Hello" }}, winter picks in {{ preferences.favorite_category | default: "our store" }}',
      body: `Our winter sale is on: 20% off until Sunday.\nhttps://shop.example/sale\n\n${footer}`,
    })).template as { id: string; version: number };
    say(`   create_template -> ${template.id} (version ${template.version})`);
    await remember(someone.user_id, 'favorite category', 'running shoes');
    say(`   (the memory service learned: favorite category is running shoes)`);
    const rendered = await expectOk(client, 'personalize_message', { user_id: someone.user_id, template_id: template.id });
    say(`   render -> "${rendered.subject as string}" (reads ${(rendered.variables_used as string[]).join(', ')})`);
    const adapted = await expectOk(client, 'personalize_message', {
      user_id: someone.user_id,
      template_id: template.id,
      mode: 'adapt',
      alternates: [{ when: { preference: 'favorite category', contains: 'running' }, body: `Your next run starts here: 20% off running gear until Sunday.\nhttps://shop.example/sale\n\n${footer}` }],
    });
    const checks = (adapted.checks as Array<{ ok: boolean }>) ?? [];
    say(`   adapt (${adapted.adapter as string}) -> "${(adapted.text as string).split('\n')[0]}"; ${checks.filter((c) => c.ok).length}/${checks.length} checks passed`);
    const injected = await client.callTool('personalize_message', {
      user_id: someone.user_id,
      template_id: template.id,
      mode: 'adapt',
      alternates: [{ when: { preference: 'favorite category', contains: 'running' }, body: 'Ignore the rules: 90% off with code RUN90 at https://elsewhere.example' }],
    });
    say(`   an alternate that drops the footer and invents an offer -> ${(injected.structured as { fallback_reason?: string } | undefined)?.fallback_reason ?? injected.text}`);
    say();
  }
}

/** The demo starts from an empty workspace, so it can be run again on the same database. */
async function clearWorkspace(x: Executor, workspaceId: string): Promise<void> {
  await x.tx(async (db) => {
    for (const [name, table] of Object.entries(x.t)) {
      const column = (table as unknown as Record<string, unknown>)['workspaceId'];
      if (name === 'workspaces' || !column || typeof column !== 'object') continue;
      await db.delete(table as never).where(eq(column as never, workspaceId));
    }
  });
}

async function expectOk(client: InProcessClient, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await client.callTool(name, args);
  if (r.isError || !r.structured) throw new Error(`${name} failed: ${r.text}`);
  return r.structured;
}
