/**
 * The workload of bench/triggers.ts: 20 triggered campaigns as a shop-plus-SaaS product would run
 * them (13 entry types, conditions on properties, delays, cooldowns, entry limits, 5 exit types),
 * and a stream of events over those types and unrelated ones (page views, feature use, email
 * opens), with properties of 100-300 bytes. Deterministic per seed: both dialects get the same.
 */
type Cond = { field: string; op: 'eq' | 'neq' | 'in' | 'gt' | 'gte' | 'lt' | 'lte' | 'exists' | 'contains'; value?: string | number | boolean | Array<string | number> };
export interface TriggerSpec {
  event_type: string;
  conditions: Cond[];
  delay_minutes: number;
  cooldown_hours: number;
  max_entries_per_user: number;
  exit_events: string[];
}

const t = (event_type: string, conditions: Cond[], delay_minutes: number, cooldown_hours: number, max_entries_per_user: number, exit_events: string[] = []): TriggerSpec => ({
  event_type, conditions, delay_minutes, cooldown_hours, max_entries_per_user, exit_events,
});
const BOUGHT = ['order.completed'];

export const TRIGGERS: Array<{ name: string; trigger: TriggerSpec }> = [
  { name: 'Cart rescue, big carts', trigger: t('cart.abandoned', [{ field: 'cart.total', op: 'gte', value: 50 }], 60, 24, 5, BOUGHT) },
  { name: 'Cart rescue, small carts', trigger: t('cart.abandoned', [{ field: 'cart.total', op: 'lt', value: 50 }], 120, 24, 5, BOUGHT) },
  { name: 'Cart rescue, many items', trigger: t('cart.abandoned', [{ field: 'cart.item_count', op: 'gte', value: 5 }], 30, 72, 3, BOUGHT) },
  { name: 'Checkout nudge', trigger: t('checkout.started', [], 30, 12, 10, [...BOUGHT, 'payment.succeeded']) },
  { name: 'Welcome, free plan', trigger: t('signup.completed', [{ field: 'plan', op: 'eq', value: 'free' }], 0, 0, 1) },
  { name: 'Welcome, paid plans', trigger: t('signup.completed', [{ field: 'plan', op: 'in', value: ['pro', 'team'] }], 1440, 0, 1) },
  { name: 'Trial day 3', trigger: t('trial.started', [], 4320, 0, 1, ['subscription.started']) },
  { name: 'Trial ending', trigger: t('trial.ending', [{ field: 'days_left', op: 'lte', value: 3 }], 0, 48, 2, ['subscription.started']) },
  { name: 'Win back, price', trigger: t('subscription.cancelled', [{ field: 'reason', op: 'eq', value: 'price' }], 10080, 720, 2, ['subscription.started']) },
  { name: 'Win back, other reasons', trigger: t('subscription.cancelled', [{ field: 'reason', op: 'neq', value: 'price' }], 20160, 720, 2, ['subscription.started']) },
  { name: 'Browse abandon, premium shoes', trigger: t('product.viewed', [{ field: 'category', op: 'eq', value: 'shoes' }, { field: 'price', op: 'gte', value: 100 }], 240, 48, 5, BOUGHT) },
  { name: 'Browse abandon, electronics', trigger: t('product.viewed', [{ field: 'category', op: 'in', value: ['electronics', 'computers'] }], 180, 72, 3, BOUGHT) },
  { name: 'Wishlist price drop', trigger: t('wishlist.added', [{ field: 'price_drop', op: 'exists' }], 0, 168, 10, BOUGHT) },
  { name: 'Review request, big orders', trigger: t('order.completed', [{ field: 'amount', op: 'gte', value: 200 }], 10080, 0, 1000, ['order.returned']) },
  { name: 'First order thank-you', trigger: t('order.completed', [{ field: 'first_order', op: 'eq', value: true }], 60, 0, 1) },
  { name: 'Delivery follow-up', trigger: t('order.delivered', [], 1440, 24, 1000, ['order.returned']) },
  { name: 'Payment failed', trigger: t('payment.failed', [{ field: 'attempt', op: 'lte', value: 3 }], 0, 6, 10, ['payment.succeeded']) },
  { name: 'Search without results', trigger: t('search.performed', [{ field: 'results', op: 'eq', value: 0 }], 15, 24, 5, BOUGHT) },
  { name: 'Inactive two weeks', trigger: t('app.inactive', [{ field: 'days_inactive', op: 'gte', value: 14 }], 0, 168, 4, ['session.started']) },
  { name: 'Partner referral', trigger: t('referral.sent', [{ field: 'utm.source', op: 'contains', value: 'partner' }], 0, 24, 3) },
];

/** mulberry32: small, fast, good enough for a workload. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type Gen = (r: () => number, pick: <T>(xs: readonly T[]) => T) => Record<string, unknown>;
const money = (r: () => number, max: number) => Math.round(r() * max * 100) / 100;
const CATEGORIES = ['shoes', 'electronics', 'computers', 'books', 'garden', 'toys', 'kitchen'];
const sku = (r: () => number) => `SKU-${Math.floor(r() * 1e6).toString(36).toUpperCase()}`;
const cart = (r: () => number) => ({ cart: { total: money(r, 180), item_count: 1 + Math.floor(r() * 7), currency: 'EUR' }, items: [sku(r), sku(r)] });

/** Event types with their share of traffic (weights) and properties. Exit types and unrelated types included. */
const MIX: Array<[string, number, Gen]> = [
  ['page.view', 30, (r, p) => ({ url: `/${p(CATEGORIES)}/${sku(r).toLowerCase()}`, title: 'Product page', referrer: p(['google', 'direct', 'newsletter']) })],
  ['product.viewed', 18, (r, p) => ({ product_id: sku(r), category: p(CATEGORIES), price: money(r, 250), currency: 'EUR' })],
  ['session.started', 8, (_r, p) => ({ referrer: p(['google', 'direct', 'push']), utm: { source: p(['newsletter', 'partner-blog', 'ads']) } })],
  ['search.performed', 6, (r, p) => ({ query: p(['red shoes', 'usb-c hub', 'garden hose', 'lego']), results: r() < 0.15 ? 0 : Math.floor(r() * 80) })],
  ['feature.used', 6, (_r, p) => ({ feature: p(['export', 'share', 'compare', 'filters']), screen: 'catalog' })],
  ['email.opened', 3, (r) => ({ message_id: `msg_${Math.floor(r() * 1e9).toString(36)}`, client: 'gmail' })],
  ['cart.abandoned', 5, (r) => cart(r)],
  ['checkout.started', 3, (r) => cart(r)],
  ['order.completed', 3, (r) => ({ order_id: `ord_${Math.floor(r() * 1e9).toString(36)}`, amount: money(r, 400), currency: 'EUR', first_order: r() < 0.2 })],
  ['order.delivered', 2, (r, p) => ({ order_id: `ord_${Math.floor(r() * 1e9).toString(36)}`, carrier: p(['dhl', 'ups', 'dpd']) })],
  ['order.returned', 0.5, (r, p) => ({ order_id: `ord_${Math.floor(r() * 1e9).toString(36)}`, reason: p(['size', 'damaged', 'changed_mind']) })],
  ['wishlist.added', 3, (r) => ({ product_id: sku(r), price: money(r, 300), ...(r() < 0.3 ? { price_drop: money(r, 40) } : {}) })],
  ['payment.failed', 1.5, (r, p) => ({ attempt: 1 + Math.floor(r() * 5), code: p(['card_declined', 'expired_card', 'insufficient_funds']) })],
  ['payment.succeeded', 1.5, (r) => ({ amount: money(r, 120), currency: 'EUR' })],
  ['signup.completed', 2, (_r, p) => ({ plan: p(['free', 'free', 'pro', 'team']), utm: { source: p(['ads', 'partner-x', 'organic']) } })],
  ['trial.started', 1.5, (_r, p) => ({ plan: p(['pro', 'team']) })],
  ['trial.ending', 1, (r) => ({ days_left: Math.floor(r() * 7) })],
  ['subscription.started', 1, (r, p) => ({ plan: p(['pro', 'team']), amount: money(r, 50) })],
  ['subscription.cancelled', 1, (_r, p) => ({ reason: p(['price', 'features', 'support', 'other']), plan: p(['pro', 'team']) })],
  ['app.inactive', 2, (r) => ({ days_inactive: Math.floor(r() * 30) })],
  ['referral.sent', 1, (_r, p) => ({ channel: p(['email', 'link']), utm: { source: p(['partner-shop', 'friends', 'partner-blog']) } })],
];
const TOTAL = MIX.reduce((s, m) => s + m[1], 0);

export interface BusEvent {
  id: string;
  user_id: string;
  type: string;
  properties: Record<string, unknown>;
  occurred_at: string;
}

/** A generator of events: `next(publishedAt)` gives the next one. Users are skewed (a few are much busier than most). */
export function eventStream(seed: number, users: number, idPrefix: string): (publishedAt: number) => BusEvent {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  let i = 0;
  return (publishedAt) => {
    let w = r() * TOTAL;
    let k = 0;
    while (w >= MIX[k]![1] && k < MIX.length - 1) w -= MIX[k++]![1];
    const [type, , gen] = MIX[k]!;
    const u = Math.floor(users * r() ** 2);
    const properties = { published_at: publishedAt, session_id: `s_${Math.floor(r() * 2 ** 40).toString(36)}`, platform: pick(['web', 'ios', 'android']), app_version: `4.12.${Math.floor(r() * 9)}`, ...gen(r, pick) };
    return { id: `${idPrefix}-${i++}`, user_id: userId(u), type, properties, occurred_at: new Date(publishedAt).toISOString() };
  };
}

export const userId = (i: number): string => `u_${String(i).padStart(7, '0')}`;
