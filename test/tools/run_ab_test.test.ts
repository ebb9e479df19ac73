/**
 * run_ab_test and decide_experiment through a real MCP client, on SQLite and PostgreSQL: bad
 * input changes nothing; a confirmed test sends to the test group (holding the holdout back,
 * leaving the remainder), the scheduled look decides when the evidence is there, the winner is
 * rolled out to the remainder, and the decision is audited with its numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partOf } from '../../src/domain/experiments/assignment.js';
import { newId } from '../../src/store/ids.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { jobRunner } from '../helpers/jobs.js';
import { connect, textOf, type Connected } from '../helpers/mcp.js';
import { addPeople, tierSegment } from '../helpers/people.js';

const HOUR = 3_600_000;

describe.each(await dialects())('run_ab_test on %s', (dialect) => {
  let t: TestApp;
  let mcp: Connected;
  let segment: string;
  const ws = 'default';
  const people = Array.from({ length: 600 }, (_, i) => ({ id: `u${String(i).padStart(4, '0')}` }));

  beforeAll(async () => {
    t = await testApp(dialect);
    await addPeople(t.store, ws, people, t.clock.now());
    segment = await tierSegment(t.store, ws, 'pro');
    mcp = await connect(t.ctx, principal(ws));
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.dispose();
  });

  const campaign = async (over: Record<string, unknown> = {}) =>
    (
      await mcp.ok('create_campaign', {
        name: `test ${Math.random()}`,
        segment_id: segment,
        channels: ['in_app'],
        variants: [{ body: 'Offer A' }, { body: 'Offer B' }],
        goal: { metric: 'conversion', event_type: 'purchase', attribution_window_hours: 48 },
        ...over,
      })
    ).campaign.id as string;

  const nothingChanged = async (campaignId: string) => {
    expect(await query(t, 'SELECT id FROM experiments WHERE campaign_id = $1'.replace('$1', dialect === 'sqlite' ? '?' : '$1'), [campaignId])).toEqual([]);
    expect(await query(t, `SELECT id FROM schedules WHERE campaign_id = ${dialect === 'sqlite' ? '?' : '$1'}`, [campaignId])).toEqual([]);
    expect((await mcp.ok('list_campaigns', {})).campaigns.find((c: { id: string }) => c.id === campaignId).status).toBe('draft');
  };

  it('refuses bad input with a clear error and changes nothing', async () => {
    const one = await campaign({ variants: [{ body: 'only one' }] });
    expect(await mcp.fail('run_ab_test', { campaign_id: one, confirm: true, idempotency_key: 'one-variant-1' })).toMatch(/at least 2 variants/);
    await nothingChanged(one);

    const c = await campaign();
    expect(await mcp.fail('run_ab_test', { campaign_id: c, weights: { A: 0.5, B: 0.6 }, confirm: true, idempotency_key: 'weights-1-key' })).toMatch(/weights sum to 1\.1, not 1/);
    expect(await mcp.fail('run_ab_test', { campaign_id: c, weights: { A: 1 }, confirm: true, idempotency_key: 'weights-2-key' })).toMatch(/no share for B/);
    expect(await mcp.fail('run_ab_test', { campaign_id: c, metric: 'click', confirm: true, idempotency_key: 'metric-1-key' })).toMatch(/cannot be measured/);
    expect(await mcp.fail('run_ab_test', { campaign_id: c, metric: 'revenue', confirm: true, idempotency_key: 'metric-2-key' })).toMatch(/value_property/);
    expect(await mcp.fail('run_ab_test', { campaign_id: c, test_share: 0, confirm: true, idempotency_key: 'share-1-key' })).toMatch(/test_share must be greater than 0/);
    expect(await mcp.fail('run_ab_test', { campaign_id: c, holdout_share: 0.7, confirm: true, idempotency_key: 'share-2-key' })).toMatch(/holdout_share must be at most 0.5/);
    expect(await mcp.fail('run_ab_test', { campaign_id: c, control_key: 'Z', confirm: true, idempotency_key: 'control-1-key' })).toMatch(/control_key 'Z' is not one of/);
    await nothingChanged(c);

    const noGoal = await campaign({ goal: { metric: 'click' } });
    expect(await mcp.fail('run_ab_test', { campaign_id: noGoal, metric: 'conversion', confirm: true, idempotency_key: 'goal-1-key' })).toMatch(/has no goal event/);
    await nothingChanged(noGoal);

    const running = await campaign();
    await mcp.ok('schedule_send', { campaign_id: running, confirm: true, idempotency_key: `plain-send-${running}` });
    await jobRunner(t).settle();
    expect(await mcp.fail('run_ab_test', { campaign_id: running, confirm: true, idempotency_key: 'running-1-key' })).toMatch(/needs a draft/);
    expect(await query(t, `SELECT id FROM experiments WHERE campaign_id = ${dialect === 'sqlite' ? '?' : '$1'}`, [running])).toEqual([]);
  });

  it('plans without changing anything', async () => {
    const c = await campaign();
    const plan = await mcp.ok('run_ab_test', { campaign_id: c, holdout_share: 0.1, test_share: 0.5 });
    expect(plan.mode).toBe('plan');
    expect(plan.plan.audience).toBe(600);
    expect(plan.plan.holdout).toBe(60);
    expect(plan.plan.test_group).toBe(270);
    expect(plan.plan.remainder).toBe(270);
    expect(plan.plan.per_arm).toEqual({ A: 135, B: 135 });
    expect(plan.plan.warnings.join(' ')).toMatch(/needs about/);
    await nothingChanged(c);
  });

  it('tests, decides on its scheduled look, rolls out the winner, and audits it', async () => {
    const c = await campaign();
    const args = { campaign_id: c, holdout_share: 0.2, test_share: 0.5, check_every_minutes: 30, confirm: true, idempotency_key: `ab-${c}` };
    const started = await mcp.ok('run_ab_test', args);
    expect(started.mode).toBe('started');
    const again = await mcp.ok('run_ab_test', args);
    expect(again.created).toBe(false);
    expect(again.experiment.id).toBe(started.experiment.id);
    const id = started.experiment.id as string;

    const runner = jobRunner(t);
    await runner.settle(10 * 60_000);
    const p = dialect === 'sqlite' ? '?' : '$1';
    const rows = await query<{ user_id: string; status: string; variant_id: string | null; error: string | null }>(t, `SELECT user_id, status, variant_id, error FROM messages WHERE campaign_id = ${p}`, [c]);
    const spec = { id, holdout_share: 0.2, test_share: 0.5 };
    const expected = people.filter((u) => partOf(spec, u.id) !== 'remainder');
    expect(rows.length).toBe(expected.length);
    for (const r of rows) {
      const part = partOf(spec, r.user_id);
      if (part === 'holdout') expect([r.status, r.error]).toEqual(['skipped', 'experiment_holdout']);
      else expect([part, r.status]).toEqual(['test', 'delivered']);
    }
    const variants = (await mcp.ok('list_campaigns', {})).campaigns.find((x: { id: string }) => x.id === c);
    expect(variants.status).toBe('running');

    // Everyone shown B buys; nobody else does: an unmistakable winner.
    const resource = await t.ctx.store.campaigns.get(ws, c);
    const b = resource!.variants.find((v) => v.key === 'B')!.id;
    const buyers = rows.filter((r) => r.variant_id === b).map((r) => r.user_id);
    const now = t.clock.now();
    await t.store.events.insert(ws, buyers.map((u) => ({ id: newId('evt'), user_id: u, type: 'purchase', properties: { amount: 10 }, occurred_at: new Date(now.getTime() + HOUR), source: 'test' })));
    t.clock.advance(2 * HOUR);
    await runner.settle(2 * HOUR);

    const metrics = await mcp.call('get_metrics', { campaign_id: c });
    expect(textOf(metrics)).toMatch(/Experiment exp_/);
    const exp = (metrics.structuredContent as { experiment: { experiment: { status: string; decision: { winner_key: string } | null; rollout_schedule_id: string | null } } }).experiment.experiment;
    expect(exp.status).toBe('rolled_out');
    expect(exp.decision?.winner_key).toBe('B');
    await runner.settle(10 * 60_000);
    const after = await query<{ user_id: string; status: string; variant_id: string | null; step_key: string }>(t, `SELECT user_id, status, variant_id, step_key FROM messages WHERE campaign_id = ${p}`, [c]);
    const rolled = after.filter((r) => r.step_key === exp.rollout_schedule_id);
    expect(rolled.length).toBe(people.filter((u) => partOf(spec, u.id) === 'remainder').length);
    expect(new Set(rolled.map((r) => r.variant_id))).toEqual(new Set([b]));
    // One message per person in all.
    expect(new Set(after.map((r) => r.user_id)).size).toBe(after.length);

    const audit = await t.store.audit.list(ws, 200);
    const decided = audit.find((a) => a.action === 'experiment.decide' && a.targetId === id);
    expect(decided?.actor).toBe('experiment-engine');
    expect((decided?.detail as { winner: string }).winner).toBe('B');
    expect(JSON.stringify(decided?.detail)).toMatch(/e_value/);
    expect(audit.some((a) => a.action === 'experiment.rollout' && a.targetId === id)).toBe(true);

    const read = await mcp.client.readResource({ uri: `experiment://${id}` });
    const body = JSON.parse((read.contents[0] as { text: string }).text);
    expect(body.experiment.status).toBe('rolled_out');
    expect(body.analysis.holdout.holdout_rate).toBe(0);
    expect((await t.ctx.store.campaigns.get(ws, c))?.status).toBe('completed');
  });

  it('ends the experiment without a winner when its test send is cancelled', async () => {
    const c = await campaign();
    const started = await mcp.ok('run_ab_test', { campaign_id: c, at: new Date(t.clock.now().getTime() + 3 * HOUR).toISOString(), confirm: true, idempotency_key: `ab-cancel-${c}` });
    await mcp.ok('cancel_schedule', { schedule_id: started.schedule.id, reason: 'wrong audience' });
    await jobRunner(t).settle(6 * HOUR);
    const e = (await t.store.experiments.get(ws, started.experiment.id))!;
    expect(e.status).toBe('stopped');
    expect(e.decision?.reason).toMatch(/was cancelled/);
    expect(e.rolloutScheduleId).toBeNull();
    expect((await t.store.audit.list(ws, 100)).some((a) => a.action === 'experiment.stop' && a.targetId === e.id)).toBe(true);
  });

  it('decide_experiment refuses to pick a winner the evidence does not support, unless told which', async () => {
    const c = await campaign();
    const started = await mcp.ok('run_ab_test', { campaign_id: c, confirm: true, idempotency_key: `ab2-${c}` });
    await jobRunner(t).settle(5 * 60_000);
    const id = started.experiment.id;
    expect(await mcp.fail('decide_experiment', { experiment_id: id, action: 'decide' })).toMatch(/No winner yet/);
    const stopped = await mcp.ok('decide_experiment', { experiment_id: id, action: 'decide', winner_key: 'A', reason: 'brand guidelines' });
    expect(stopped.experiment.status).toBe('decided');
    expect(stopped.experiment.decision.reason).toBe('brand guidelines');
    expect(await mcp.fail('decide_experiment', { experiment_id: id, action: 'stop' })).toMatch(/cannot be stopped|only a running/);
  });
});
