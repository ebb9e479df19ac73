/**
 * What each delivered message leads to (pure): whether and when it is opened, clicked and
 * converted, drawn from the recipient's ground truth.
 *
 * Every message has its own random stream, named by (seed, message id), and always consumes the
 * same draws in the same order, so a message gets the same outcome whatever else is drawn, in
 * whatever batch or order.
 *
 * Probabilities for one message (unconditional):
 *   P(open)       = min(1, open[variant] × F)
 * where F, the timing factor, depends on `timing`:
 *   send_hour (default)  the person's factor at the local hour of delivery; the open follows after
 *                        a delay that has nothing to do with their day (openDelayMeanMs);
 *   attention            people open mail when they are active, and a message loses attention as it
 *                        sinks in the inbox: F = ∫ factor(local hour at t+s)·k(s) ds with k an
 *                        exponential of mean attentionMeanMs, and the open happens at t+s with
 *                        density ∝ factor(hour(t+s))·k(s) (so when people open says when they are
 *                        active, confounded by when they were sent to, as in real mail).
 * In both F averages 1 over a uniformly random time of day.
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
import { offsetMs } from '../domain/sendtime/local-slots.js';
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
  /** How the time of sending matters (see above; default send_hour). */
  timing?: 'send_hour' | 'attention';
  /** attention: mean of the exponential attention decay (default 3 h). */
  attentionMeanMs?: number;
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
    attentionMeanMs: o.attentionMeanMs ?? 3 * HOUR,
  };
  for (const [k, v] of Object.entries(r)) if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`engagement option ${k} must be >= 0 (got ${v})`);
  if (!(r.attentionMeanMs > 0)) throw new RangeError('engagement option attentionMeanMs must be > 0');
  const timing = o.timing ?? 'send_hour';
  if (timing !== 'send_hour' && timing !== 'attention') throw new RangeError(`engagement option timing must be send_hour or attention (got ${String(timing)})`);
  return { ...r, timing };
}

/** The outcome of one message to a person of the population (throws for a user or variant it does not know). */
export function drawOutcome(pop: Population, m: DeliveredMessage, opts: EngagementOptions = {}, seed: number = pop.options.seed): MessageOutcome {
  const o = resolveEngagementOptions(opts);
  const user = pop.byId.get(m.userId);
  if (!user) throw new Error(`user '${m.userId}' is not in the simulated population`);
  const attention = o.timing === 'attention' ? attentionProfile(user, m.deliveredAt, o.attentionMeanMs) : null;
  const p = probabilities(user, m, attention);
  const r = streamOf(seed, 'message', m.messageId);
  // Every draw is always taken, in this order, whatever the outcome.
  const uOpen = r.float();
  const openDelay = o.minOpenDelayMs + (attention ? attentionDelay(attention, r.float()) : exponential(r, o.openDelayMeanMs));
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

/**
 * The unconditional probabilities of a message's open, click and conversion, and the local hour of
 * delivery; with an attention profile (timing: attention) its factor instead of the hour's.
 */
export function probabilities(user: SimUser, m: Pick<DeliveredMessage, 'variantKey' | 'deliveredAt'>, attention: AttentionProfile | null = null) {
  const open = user.truth.open[m.variantKey];
  if (open === undefined) throw new Error(`variant '${m.variantKey}' has no rates in the simulated population (known: ${Object.keys(user.truth.open).join(', ')})`);
  const hour = localHour(m.deliveredAt, user.timezone);
  const pOpen = Math.min(1, open * (attention ? attention.factor : hourFactor(user, hour)));
  const pClick = pOpen * user.truth.click[m.variantKey]!;
  return { hour, open: pOpen, click: pClick, conversion: pClick * user.truth.conversion[m.variantKey]! };
}

/** The index (0..n-1) of the link a click with this draw follows. */
export function pickLink(linkDraw: number, links: number): number {
  if (links <= 0) throw new RangeError('a click needs at least one link');
  return Math.min(links - 1, Math.floor(linkDraw * links));
}

const QUARTER = 15 * MINUTE;
/** How far the attention kernel is followed (its mass beyond is below e^-24 at the default mean). */
const ATTENTION_SPAN = 72 * HOUR;

/** A delivered message's attention over the following hours, quarter hour by quarter hour. */
export interface AttentionProfile {
  /** F: the person's activity weighted by the message's attention (averages 1 over the day). */
  factor: number;
  /** Per quarter hour after delivery: weight = activity × attention mass; cumulative sums. */
  cumulative: Float64Array;
  meanMs: number;
}

/** The attention profile of a message delivered at `at` to `user` (their local hours, DST included). */
export function attentionProfile(user: SimUser, at: Date, meanMs: number): AttentionProfile {
  const n = ATTENTION_SPAN / QUARTER;
  const cumulative = new Float64Array(n);
  const t0 = at.getTime();
  const total = 1 - Math.exp(-ATTENTION_SPAN / meanMs);
  // Without a DST change in the span, one offset gives every local hour.
  const off = offsetMs(t0, user.timezone);
  const steady = off === offsetMs(t0 + ATTENTION_SPAN, user.timezone);
  let acc = 0;
  for (let j = 0; j < n; j++) {
    const mass = (Math.exp((-j * QUARTER) / meanMs) - Math.exp((-(j + 1) * QUARTER) / meanMs)) / total;
    // Quarter hours after delivery fall inside one local hour (offsets are whole quarter hours).
    const t = t0 + j * QUARTER;
    const hour = steady ? ((Math.floor((t + off) / HOUR) % 24) + 24) % 24 : localHour(new Date(t), user.timezone);
    acc += mass * hourFactor(user, hour);
    cumulative[j] = acc;
  }
  return { factor: acc, cumulative, meanMs };
}

/** The open delay for a uniform draw u: its quarter hour by the cumulative weights, then within it by the exponential. */
export function attentionDelay(a: AttentionProfile, u: number): number {
  const target = u * a.factor;
  let lo = 0;
  let hi = a.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (target < a.cumulative[mid]!) hi = mid;
    else lo = mid + 1;
  }
  const before = lo === 0 ? 0 : a.cumulative[lo - 1]!;
  const width = a.cumulative[lo]! - before;
  const v = width > 0 ? Math.min(1, Math.max(0, (target - before) / width)) : 0;
  // Within the quarter hour the attention still decays: invert the truncated exponential.
  const q = 1 - Math.exp(-QUARTER / a.meanMs);
  return lo * QUARTER - a.meanMs * Math.log(1 - v * q);
}
