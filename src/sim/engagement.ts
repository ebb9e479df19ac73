/**
 * What each delivered message leads to (pure): whether and when it is opened, clicked and
 * converted, drawn from the recipient's ground truth.
 *
 * Every message has its own random stream, named by (seed, message id), and always consumes the
 * same draws in the same order, so a message gets the same outcome whatever else is drawn, in
 * whatever batch or order.
 *
 * Probabilities for one message (unconditional):
 *   P(open)       = min(1, open[variant] × hourFactor(local hour of delivery, in the person's zone))
 *   P(click)      = P(open) × click[variant]
 *   P(conversion) = P(click) × conversion[variant]
 * The min(1, ·) only bites for very engaged people at their peak hour; `expected` values below
 * account for it exactly.
 *
 * Times: open at delivery + a minimum + Exponential(mean openDelay); the click that much later
 * again (clickDelay), the conversion after the click (conversionDelay). The minimum keeps every
 * open outside the tracking code's machine-prefetch window (10 s after sending).
 */
import { expectedOrderValue, hourFactor, type Population, type SimUser } from './population.js';
import { localHour } from './local-time.js';
import { exponential, streamOf } from './random.js';

export interface DeliveredMessage {
  messageId: string;
  userId: string;
  variantKey: string;
  deliveredAt: Date;
}

export interface EngagementOptions {
  /** Mean of the exponential delay from delivery to open, after the minimum (default 3 h). */
  openDelayMeanMs?: number;
  /** Shortest delay from delivery to open (default 60 s). */
  minOpenDelayMs?: number;
  /** Mean delay from open to click (default 5 min). */
  clickDelayMeanMs?: number;
  /** Mean delay from click to conversion (default 2 h; attribution windows are 72 h by default). */
  conversionDelayMeanMs?: number;
}

export interface MessageOutcome {
  messageId: string;
  userId: string;
  variantKey: string;
  /** The recipient's local hour at delivery (0-23). */
  localHour: number;
  /** Unconditional probabilities of this message's open, click and conversion. */
  p: { open: number; click: number; conversion: number };
  /** Expected revenue of this message: P(conversion) × the person's mean order value. */
  expectedRevenue: number;
  open: Date | null;
  click: Date | null;
  /** Uniform in [0, 1): which of the message's links the click follows (see pickLink). */
  linkDraw: number;
  conversion: { at: Date; value: number } | null;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export function resolveEngagementOptions(o: EngagementOptions = {}): Required<EngagementOptions> {
  const r = {
    openDelayMeanMs: o.openDelayMeanMs ?? 3 * HOUR,
    minOpenDelayMs: o.minOpenDelayMs ?? MINUTE,
    clickDelayMeanMs: o.clickDelayMeanMs ?? 5 * MINUTE,
    conversionDelayMeanMs: o.conversionDelayMeanMs ?? 2 * HOUR,
  };
  for (const [k, v] of Object.entries(r)) if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`engagement option ${k} must be >= 0 (got ${v})`);
  return r;
}

/** The outcome of one message to a person of the population (throws for a user or variant it does not know). */
export function drawOutcome(pop: Population, m: DeliveredMessage, opts: EngagementOptions = {}, seed: number = pop.options.seed): MessageOutcome {
  const o = resolveEngagementOptions(opts);
  const user = pop.byId.get(m.userId);
  if (!user) throw new Error(`user '${m.userId}' is not in the simulated population`);
  const p = probabilities(user, m);
  const r = streamOf(seed, 'message', m.messageId);
  // Every draw is always taken, in this order, whatever the outcome.
  const uOpen = r.float();
  const openDelay = o.minOpenDelayMs + exponential(r, o.openDelayMeanMs);
  const uClick = r.float();
  const clickDelay = exponential(r, o.clickDelayMeanMs);
  const linkDraw = r.float();
  const uConversion = r.float();
  const conversionDelay = exponential(r, o.conversionDelayMeanMs);
  const z = r.normal();

  const t0 = m.deliveredAt.getTime();
  const open = uOpen < p.open ? new Date(Math.round(t0 + openDelay)) : null;
  const click = open && uClick < user.truth.click[m.variantKey]! ? new Date(Math.round(open.getTime() + clickDelay)) : null;
  const converted = click !== null && uConversion < user.truth.conversion[m.variantKey]!;
  const value = Math.max(0.01, Math.round(user.truth.valueMedian * Math.exp(pop.options.value.withinSigma * z) * 100) / 100);
  return {
    messageId: m.messageId,
    userId: m.userId,
    variantKey: m.variantKey,
    localHour: p.hour,
    p: { open: p.open, click: p.click, conversion: p.conversion },
    expectedRevenue: p.conversion * expectedOrderValue(pop, user),
    open,
    click,
    linkDraw,
    conversion: converted ? { at: new Date(Math.round(click.getTime() + conversionDelay)), value } : null,
  };
}

export function drawOutcomes(pop: Population, messages: readonly DeliveredMessage[], opts: EngagementOptions = {}, seed?: number): MessageOutcome[] {
  return messages.map((m) => drawOutcome(pop, m, opts, seed));
}

/** The unconditional probabilities of a message's open, click and conversion, and the local hour they used. */
export function probabilities(user: SimUser, m: Pick<DeliveredMessage, 'variantKey' | 'deliveredAt'>) {
  const open = user.truth.open[m.variantKey];
  if (open === undefined) throw new Error(`variant '${m.variantKey}' has no rates in the simulated population (known: ${Object.keys(user.truth.open).join(', ')})`);
  const hour = localHour(m.deliveredAt, user.timezone);
  const pOpen = Math.min(1, open * hourFactor(user, hour));
  const pClick = pOpen * user.truth.click[m.variantKey]!;
  return { hour, open: pOpen, click: pClick, conversion: pClick * user.truth.conversion[m.variantKey]! };
}

/** The index (0..n-1) of the link a click with this draw follows. */
export function pickLink(linkDraw: number, links: number): number {
  if (links <= 0) throw new RangeError('a click needs at least one link');
  return Math.min(links - 1, Math.floor(linkDraw * links));
}
