/**
 * The campaign simulator: its pure parts (population, ground truth, outcomes, local hours) and,
 * on SQLite and PostgreSQL, a real two-variant send whose simulated engagement goes through the
 * real tracking code and comes back out of get_metrics exactly as the simulator counted it.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMachineHit } from '../../src/domain/tracking/engagement.js';
import {
  SimClock,
  createSimulator,
  drawOutcome,
  drawOutcomes,
  generatePopulation,
  hourFactor,
  localHour,
  type DeliveredMessage,
  type PopulationOptions,
  type SimUser,
} from '../../src/sim/index.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects } from '../helpers/db.js';
import { jobRunner } from '../helpers/jobs.js';
import { connect } from '../helpers/mcp.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const VARIANTS = { A: { open: 0.3, click: 0.25, conversion: 0.2 }, B: { open: 0.45, click: 0.3, conversion: 0.2 } };
const options = (over: Partial<PopulationOptions> = {}): PopulationOptions => ({ seed: 42, size: 500, variants: VARIANTS, ...over });

/** Messages to everyone, alternating variants, delivered at `at`. */
const messagesFor = (users: ReadonlyArray<{ id: string }>, at: Date): DeliveredMessage[] =>
  users.map((u, i) => ({ messageId: `msg_test_${i}`, userId: u.id, variantKey: i % 2 === 0 ? 'A' : 'B', deliveredAt: at }));

describe('simulated population', () => {
  it('is the same for the same seed, and another for another seed', () => {
    const a = generatePopulation(options());
    const b = generatePopulation(options());
    expect(b.users).toEqual(a.users);
    expect(a.users[0]!.id).toBe('sim_000001');
    expect(a.users.at(-1)!.id).toBe('sim_000500');
    expect(new Set(a.users.map((u) => u.email)).size).toBe(500);
    const c = generatePopulation(options({ seed: 43 }));
    expect(c.users.map((u) => u.truth.open['A'])).not.toEqual(a.users.map((u) => u.truth.open['A']));
  });

  it('keeps everyone\'s other draws when a variant is added', () => {
    const two = generatePopulation(options());
    const three = generatePopulation(options({ variants: { ...VARIANTS, C: { open: 0.1, click: 0.1 } } }));
    const withoutC = (u: SimUser) => {
      const drop = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'C'));
      return { ...u, truth: { ...u.truth, open: drop(u.truth.open), click: drop(u.truth.click), conversion: drop(u.truth.conversion) } };
    };
    expect(three.users.map(withoutC)).toEqual(two.users);
    expect(three.users[0]!.truth.open['C']).toBeGreaterThan(0);
  });

  it('draws people from zones with half-hour, 45-minute and DST offsets', () => {
    const zones = new Set(generatePopulation(options({ size: 3000 })).users.map((u) => u.timezone));
    for (const tz of ['Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Adelaide', 'America/St_Johns', 'Europe/Paris', 'America/New_York', 'Australia/Sydney']) {
      expect(zones.has(tz), tz).toBe(true);
    }
  });

  it('has per-person propensities whose mean is the configured rate (within 4 standard errors)', () => {
    const size = 20_000;
    const kappa = 20;
    const pop = generatePopulation(options({ size, concentration: kappa }));
    for (const [key, rates] of Object.entries(VARIANTS)) {
      for (const kind of ['open', 'click', 'conversion'] as const) {
        const mu = rates[kind];
        const values = pop.users.map((u) => u.truth[kind][key]!);
        const mean = values.reduce((s, v) => s + v, 0) / size;
        // Beta(μκ, (1−μ)κ): variance μ(1−μ)/(κ+1).
        const se = Math.sqrt((mu * (1 - mu)) / (kappa + 1) / size);
        expect(Math.abs(mean - mu), `${key}.${kind}: mean ${mean} vs ${mu}`).toBeLessThan(4 * se);
        expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
        // Heterogeneous, not everyone alike.
        expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(0.1);
      }
    }
  });

  it('has hour factors averaging 1 over the day for everyone, peaked for the preferred share', () => {
    const pop = generatePopulation(options({ size: 4000, preferredShare: 0.6 }));
    for (const u of pop.users) {
      let sum = 0;
      for (let h = 0; h < 24; h++) sum += hourFactor(u, h);
      expect(sum / 24).toBeCloseTo(1, 12);
      if (u.truth.preferredHour === null) expect(u.truth.hourWeights.every((w) => w === 1)).toBe(true);
      else expect(Math.max(...u.truth.hourWeights)).toBe(hourFactor(u, u.truth.preferredHour));
    }
    const share = pop.users.filter((u) => u.truth.preferredHour !== null).length / pop.users.length;
    expect(Math.abs(share - 0.6)).toBeLessThan(4 * Math.sqrt((0.6 * 0.4) / 4000));
    expect(() => hourFactor(pop.users[0]!, 24)).toThrow(/0-23/);
  });

  it('gives every person a browser agent the tracking code takes for a person', () => {
    const pop = generatePopulation(options());
    const sent = new Date('2026-12-01T12:00:00Z');
    for (const u of pop.users) expect(isMachineHit('open', u.userAgent, sent, new Date(sent.getTime() + 60_000))).toBe(false);
  });

  it('refuses rates outside [0, 1] and an empty variant list', () => {
    expect(() => generatePopulation(options({ variants: { A: { open: 1.2, click: 0.1 } } }))).toThrow(/variants\.A\.open/);
    expect(() => generatePopulation(options({ variants: {} }))).toThrow(/at least one variant/);
  });
});

describe('local hour', () => {
  it.each([
    ['Asia/Kolkata', '2026-01-15T00:00:00Z', 5], // +05:30
    ['Asia/Kathmandu', '2026-01-15T00:10:00Z', 5], // +05:45: 05:55
    ['Asia/Kathmandu', '2026-01-15T00:20:00Z', 6], // 06:05
    ['Australia/Adelaide', '2026-01-15T00:00:00Z', 10], // +10:30 (summer time)
    ['Australia/Adelaide', '2026-07-15T00:00:00Z', 9], // +09:30
    ['America/St_Johns', '2026-01-15T12:00:00Z', 8], // −03:30
    ['America/St_Johns', '2026-07-15T12:00:00Z', 9], // −02:30 (summer time)
    ['Europe/Paris', '2026-03-29T00:30:00Z', 1], // before the spring-forward at 01:00Z
    ['Europe/Paris', '2026-03-29T01:30:00Z', 3], // after it: 02:xx never happens
    ['Europe/Paris', '2026-10-25T00:30:00Z', 2], // 02:30 CEST
    ['Europe/Paris', '2026-10-25T01:30:00Z', 2], // 02:30 CET, the repeated hour
    ['America/New_York', '2026-03-08T06:30:00Z', 1],
    ['America/New_York', '2026-03-08T07:30:00Z', 3],
    ['America/New_York', '2026-11-01T05:30:00Z', 1], // 01:30 EDT
    ['America/New_York', '2026-11-01T06:30:00Z', 1], // 01:30 EST
    ['Australia/Sydney', '2026-04-04T15:30:00Z', 2], // 02:30 AEDT
    ['Australia/Sydney', '2026-04-04T16:30:00Z', 2], // 02:30 AEST
    ['Australia/Sydney', '2026-10-03T15:30:00Z', 1],
    ['Australia/Sydney', '2026-10-03T16:30:00Z', 3],
    ['UTC', '2026-01-15T23:59:59Z', 23],
  ])('%s at %s is hour %i', (tz, at, hour) => {
    expect(localHour(new Date(at), tz)).toBe(hour);
  });

  it('agrees with luxon everywhere (the quarter-hour cache)', () => {
    const zones = generatePopulation(options({ size: 3000 })).users.map((u) => u.timezone);
    const start = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 3000; i++) {
      const at = new Date(start + ((i * 7_919_993_911) % (365 * DAY)));
      const tz = zones[i % zones.length]!;
      expect(localHour(at, tz), `${tz} ${at.toISOString()}`).toBe(DateTime.fromJSDate(at, { zone: tz }).hour);
    }
  });

  it('refuses an unknown zone', () => {
    expect(() => localHour(new Date(), 'Mars/Olympus')).toThrow(/unknown time zone/);
  });
});

describe('simulated outcomes', () => {
  const pop = generatePopulation(options({ size: 4000 }));
  const at = new Date('2026-12-01T12:00:00Z');
  const messages = messagesFor(pop.users, at);

  it('are a function of the message: same seed, same outcome, in any order or batch', () => {
    const first = drawOutcomes(pop, messages);
    expect(drawOutcomes(pop, messages)).toEqual(first);
    const reversed = drawOutcomes(pop, [...messages].reverse()).reverse();
    expect(reversed).toEqual(first);
    expect(drawOutcome(pop, messages[123]!)).toEqual(first[123]);
    // Another outcome seed, other outcomes.
    expect(drawOutcomes(pop, messages, {}, 7).map((o) => o.open)).not.toEqual(first.map((o) => o.open));
  });

  it('happen in order: open after delivery (past the prefetch window), click after open, conversion after click', () => {
    for (const o of drawOutcomes(pop, messages)) {
      if (o.open) expect(o.open.getTime() - at.getTime()).toBeGreaterThanOrEqual(60_000);
      if (o.click) expect(o.click.getTime()).toBeGreaterThanOrEqual(o.open!.getTime());
      else expect(o.conversion).toBeNull();
      if (o.conversion) {
        expect(o.conversion.at.getTime()).toBeGreaterThanOrEqual(o.click!.getTime());
        expect(o.conversion.value).toBeGreaterThan(0);
      }
      expect(o.p.click).toBeLessThanOrEqual(o.p.open);
    }
  });

  it('use the hour factor of the local delivery hour', () => {
    for (const [i, o] of drawOutcomes(pop, messages).entries()) {
      const u = pop.users[i]!;
      expect(o.localHour).toBe(localHour(at, u.timezone));
      expect(o.p.open).toBeCloseTo(Math.min(1, u.truth.open[o.variantKey]! * hourFactor(u, o.localHour)), 12);
    }
  });

  it('match their probabilities in aggregate (within 4 sd)', () => {
    const outcomes = drawOutcomes(pop, messages);
    for (const kind of ['open', 'click', 'conversion'] as const) {
      const mean = outcomes.reduce((s, o) => s + o.p[kind], 0);
      const sd = Math.sqrt(outcomes.reduce((s, o) => s + o.p[kind] * (1 - o.p[kind]), 0));
      const got = outcomes.filter((o) => (kind === 'open' ? o.open : kind === 'click' ? o.click : o.conversion)).length;
      expect(Math.abs(got - mean), `${kind}: ${got} vs ${mean.toFixed(1)} ± ${sd.toFixed(1)}`).toBeLessThan(4 * sd);
    }
  });

  it('refuse people and variants the population does not know', () => {
    expect(() => drawOutcome(pop, { ...messages[0]!, userId: 'someone_else' })).toThrow(/not in the simulated population/);
    expect(() => drawOutcome(pop, { ...messages[0]!, variantKey: 'Z' })).toThrow(/variant 'Z' has no rates/);
  });
});

describe('SimClock', () => {
  it('moves forward only, except for a reset', () => {
    const c = new SimClock(new Date('2026-01-01T00:00:00Z'));
    c.advance(1000);
    c.set(new Date('2025-01-01T00:00:00Z'));
    expect(c.now().toISOString()).toBe('2026-01-01T00:00:01.000Z');
    c.set(new Date('2026-02-01T00:00:00Z'));
    expect(c.now().toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(() => c.advance(-1)).toThrow(RangeError);
    c.reset(new Date('2020-01-01T00:00:00Z'));
    expect(c.now().toISOString()).toBe('2020-01-01T00:00:00.000Z');
  });
});

describe.each(await dialects())('simulated campaign end to end on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('records exactly what the simulator drew, through the real tracking code, close to the ground truth', async () => {
    const ws = 'sim';
    const population = generatePopulation({ seed: 2026, size: 2000, variants: VARIANTS });
    const sim = createSimulator({ store: t.store, tracking: t.ctx.tracking, clock: t.clock }, { workspaceId: ws, population });
    expect(await sim.load()).toEqual({ users: 2000, inserted: 2000 });
    expect(await sim.load()).toEqual({ users: 2000, inserted: 0 });

    const mcp = await connect(t.ctx, principal(ws));
    const segment = await mcp.ok('define_segment', { name: 'Email subscribers', rules: { version: 1, root: { kind: 'consent', channel: 'email', subscribed: true } } });
    expect(segment.estimated_size).toBe(2000);
    const html = (offer: string) =>
      `<p>Hi {{ first_name }}, ${offer}: <a href="https://shop.example/sale">the sale</a> or <a href="https://shop.example/new">what is new</a>.</p>`;
    const { campaign } = await mcp.ok('create_campaign', {
      name: 'Simulated A/B',
      segment_id: segment.segment.id,
      channels: ['email'],
      variants: [
        { key: 'A', subject: 'Our winter sale', body: 'Hi {{ first_name }}, the sale: https://shop.example/sale', html: html('20% off') },
        { key: 'B', subject: '{{ first_name }}, 20% off inside', body: 'Hi {{ first_name }}, the sale: https://shop.example/sale', html: html('20% off everything') },
      ],
      goal: { metric: 'conversion', event_type: 'purchase', value_property: 'amount', attribution_window_hours: 72 },
    });
    await mcp.ok('schedule_send', { campaign_id: campaign.id, confirm: true, idempotency_key: `sim-${dialect}` });
    await jobRunner(t).settle();
    const sentAt = t.clock.now().getTime();

    // Two steps: what happened in the first 3 hours, then the rest of the week.
    const early = await sim.engage({ campaignId: campaign.id, until: new Date(sentAt + 3 * HOUR) });
    expect(early.drawn.messages).toBe(2000);
    expect(early.pending).toBeGreaterThan(0);
    expect(early.opens).toBeGreaterThan(0);
    expect(t.clock.now().getTime()).toBeLessThanOrEqual(sentAt + 3 * HOUR);
    const rest = await sim.engage({ campaignId: campaign.id, until: new Date(sentAt + 7 * DAY) });
    expect(rest.pending).toBe(0);
    expect(rest.late).toBe(0);
    expect(rest.skipped).toEqual({ unknownUsers: 0, otherChannels: 0, unobservableOpens: 0, unobservableClicks: 0, rejected: 0 });
    expect(rest.alreadyRecorded).toBe(early.opens + early.clicks + early.conversions);
    // Everything drawn is now recorded, and a replay records nothing more.
    expect(early.opens + rest.opens).toBe(rest.drawn.opens);
    expect(early.clicks + rest.clicks).toBe(rest.drawn.clicks);
    expect(early.conversions + rest.conversions).toBe(rest.drawn.conversions);
    const again = await sim.engage({ campaignId: campaign.id, until: new Date(sentAt + 7 * DAY) });
    expect([again.opens, again.clicks, again.conversions, again.pending]).toEqual([0, 0, 0, 0]);

    if (process.env.SIM_DEBUG) console.log(JSON.stringify({ early, rest }, null, 1));
    const metrics = await mcp.ok('get_metrics', { campaign_id: campaign.id, group_by: ['variant'], trend: 'none' });
    expect(metrics.counts).toMatchObject({ sent: 2000, delivered: 2000, opened: rest.drawn.opens, clicked: rest.drawn.clicks, machine_opens: 0 });
    for (const key of ['A', 'B']) {
      const group = metrics.groups.find((g: { variant_key: string }) => g.variant_key === key);
      const drawn = rest.drawn.byVariant[key]!;
      const recorded = { opens: early.byVariant[key]!.opens + rest.byVariant[key]!.opens, clicks: early.byVariant[key]!.clicks + rest.byVariant[key]!.clicks };
      expect(recorded).toEqual({ opens: drawn.opens, clicks: drawn.clicks });
      expect(group.counts).toMatchObject({ sent: drawn.messages, opened: drawn.opens, clicked: drawn.clicks, converted: drawn.conversions });
      expect(group.counts.revenue).toBeCloseTo(drawn.revenue, 2);

      // The draws against the ground truth: Poisson-binomial, within 4 sd.
      const expected = rest.expected.byVariant[key]!;
      expect(expected.messages).toBe(drawn.messages);
      for (const kind of ['opens', 'clicks', 'conversions'] as const) {
        expect(Math.abs(drawn[kind] - expected[kind]), `${key} ${kind}: ${drawn[kind]} vs ${expected[kind].toFixed(1)} ± ${expected.sd[kind].toFixed(1)}`).toBeLessThan(
          4 * expected.sd[kind] + 1,
        );
      }
    }
    // B's true rates are higher, and the simulation shows it.
    expect(rest.expected.byVariant['B']!.opens / rest.expected.byVariant['B']!.messages).toBeGreaterThan(
      rest.expected.byVariant['A']!.opens / rest.expected.byVariant['A']!.messages,
    );
    await mcp.close();
  });

  it('sees no opens of a text-only email (no pixel), only the opens its clicks imply', async () => {
    const ws = 'sim-text';
    const population = generatePopulation({ seed: 5, size: 300, variants: { A: { open: 0.5, click: 0.4 } }, idPrefix: 'txt_' });
    const sim = createSimulator({ store: t.store, tracking: t.ctx.tracking, clock: t.clock }, { workspaceId: ws, population });
    await sim.load();
    const mcp = await connect(t.ctx, principal(ws));
    const segment = await mcp.ok('define_segment', { name: 'Everyone', rules: { version: 1, root: { kind: 'consent', channel: 'email', subscribed: true } } });
    const { campaign } = await mcp.ok('create_campaign', {
      name: 'Text only',
      segment_id: segment.segment.id,
      channels: ['email'],
      variants: [{ key: 'A', subject: 'News', body: 'Hi {{ first_name }}, read it at https://shop.example/news' }],
    });
    await mcp.ok('schedule_send', { campaign_id: campaign.id, confirm: true, idempotency_key: `sim-text-${dialect}` });
    await jobRunner(t).settle();
    const r = await sim.engage({ campaignId: campaign.id, until: new Date(t.clock.now().getTime() + 7 * DAY) });
    expect(r.drawn.clicks).toBeGreaterThan(0);
    expect(r.skipped.unobservableOpens).toBe(r.drawn.opens);
    expect(r).toMatchObject({ opens: r.drawn.clicks, clicks: r.drawn.clicks, conversions: 0 });
    const metrics = await mcp.ok('get_metrics', { campaign_id: campaign.id, trend: 'none' });
    expect(metrics.counts).toMatchObject({ sent: 300, opened: r.drawn.clicks, clicked: r.drawn.clicks });
    await mcp.close();
  });

  it('needs tracking', async () => {
    const population = generatePopulation(options({ size: 1 }));
    expect(() => createSimulator({ store: t.store, tracking: null, clock: t.clock }, { workspaceId: 'x', population })).toThrow(/TRACKING_ENABLED/);
  });
});
