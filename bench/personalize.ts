/**
 * Personalization cost per message in a send: what the user-360 roots (preferences, scores, last
 * purchase) add to a message's rendering, next to the same email with profile variables only.
 * Measured the way the dispatcher does it (src/engine/delivery/dispatch.ts, batchContexts), on
 * SQLite and PostgreSQL.
 *
 *  - setup (not timed): a fresh database (a SQLite file in a temp dir; a PostgreSQL database
 *    created and dropped on the local server) opened with openStore, N people (bulk-inserted:
 *    a name for 19 in 20, tiers pro/max/free), each with 3 factual memories (favorite category
 *    for all but 1 in 13, preferred channel, shoe size), a user_scores row (churn_risk,
 *    rfm_segment: 1 in 4 'at_risk', ...) and 1-3 purchase events (none for 1 in 10) with a
 *    product and an amount, with the per-user aggregates the last-purchase lookup joins (checked):
 *    through store.events.insert in batches of 5,000 on SQLite, bulk-inserted then
 *    store.events.rebuildAggregates on PostgreSQL (see insertPurchases for why); then ANALYZE. The recipient
 *    profiles are read once up front: the dispatcher has them from the ledger rows whatever the
 *    template reads, so they cost both paths the same and are left out.
 *  - profile-only (the baseline): renderMessage of a typical email (subject, text and HTML with
 *    {{ first_name }}, a tier conditional, defaults, template variables) for every person, in
 *    batches of 1,000 in id order, no context (batchContexts returns null for such a variant).
 *  - 360: the same email plus {{ preferences.favorite_category | default: "our picks" }} (subject
 *    and body), {% if scores.rfm_segment == "at_risk" %}...{% endif %} and
 *    {{ last_purchase.product | default: "your last order" }}. Per batch of 1,000: context loading
 *    (contextRoots(variantVariables(variant)), then personContexts with the embedded platform
 *    sources: store.users.contextOf with memories, a few queries), timed apart from rendering
 *    the batch with that context.
 *  - Each figure is the median of 3 runs after a warm-up run (each run: one profile-only pass,
 *    then one 360 pass over all N people), each median taken on its own; messages/s = 10^6 / total µs.
 *  - Where the loading goes: the same loading with scores + last_purchase only (3 runs after a
 *    warm-up, median): contextOf without its memories query, since it reads the people, event
 *    totals, scores and last purchases whatever the roots; the difference is the memories query
 *    (top 20 per person) that preferences needs.
 *
 * Before timing, every person's 360 rendering is checked against what their data says (the
 * favorite category or "our picks" in the subject, the at-risk line exactly for at-risk people,
 * the latest purchase's product or "your last order"), 2,000 of them also against liquidjs's own
 * rendering of the same data, and the renders that fell back from the direct renderer to liquidjs
 * are counted. A failed check exits non-zero.
 *
 *   npx tsx bench/personalize.ts          npm run bench -- personalize
 *   BENCH_PERSONALIZE_USERS=20000 BENCH_DIALECTS=sqlite npx tsx bench/personalize.ts
 *
 * Environment: BENCH_PERSONALIZE_USERS (100000), BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/test),
 * BENCH_DIALECTS (sqlite,postgres).
 *
 * Prints a table (no target: no PASS/MISS lines), writes .bench-out/personalize.json. PostgreSQL
 * unreachable: a SKIP line, exit 0.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Liquid } from 'liquidjs';
import postgres from 'postgres';
import { systemClock } from '../src/context.js';
import { renderMessage, variantVariables, type RecipientProfile, type RenderedMessage, type VariantContent } from '../src/domain/delivery/render.js';
import { eventValue, type TrackedEvent } from '../src/domain/events.js';
import { compileTemplate } from '../src/domain/templates/engine.js';
import { silentLogger } from '../src/log.js';
import { embeddedSources } from '../src/platform/embedded.js';
import { contextRoots, personContexts, type ContextRoot } from '../src/services/person-context.js';
import type { Executor } from '../src/store/executor.js';
import { openStore, type OpenedStore } from '../src/store/open.js';

type Dialect = 'sqlite' | 'postgres';

const USERS = Number(process.env.BENCH_PERSONALIZE_USERS ?? 100_000);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim()).filter(Boolean);
const RUNS = 3;
/** People per batch, as the dispatcher loads contexts. */
const BATCH = 1000;
/** Events per store.events.insert call during setup (SQLite). */
const EVENT_BATCH = 5000;
/** Rows per statement for PostgreSQL bulk writes in setup. */
const PG_BATCH = 25_000;
/** People checked against liquidjs's own rendering. */
const REFERENCE_SAMPLE = 2000;
const WS = 'default';
const CAMPAIGN = { id: 'cmp_bench_personalize', name: 'Bench winter sale' };

const FIRST = ['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'Dennis', 'Radia', 'Niklaus'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Allen', 'Ritchie', 'Perlman', 'Wirth'];
const COUNTRIES = ['DE', 'US', 'FR', 'GB', 'JP', 'BR'];
const ZONES = ['Europe/Berlin', 'America/New_York', 'Europe/Paris', 'Europe/London', 'Asia/Tokyo', 'America/Sao_Paulo'];
const TIERS = ['pro', 'max', 'free'];
const CATEGORIES = ['shoes', 'books', 'garden', 'kitchen', 'outdoor', 'toys', 'music'];
const PRODUCTS = ['Trail runner 2', 'Cast-iron pan', 'Rain jacket', 'Reading lamp', 'Seed kit', 'Headphones', 'Board game', 'Yoga mat', 'Espresso cups'];
const SEGMENTS = ['at_risk', 'champions', 'loyal_customers', 'need_attention'];
const DAY = 86_400_000;

/** Ids that sort like their numbers, in any collation. */
const userId = (i: number): string => `u_${String(i).padStart(7, '0')}`;

// ---------------------------------------------------------------- the data each person gets

const hasName = (i: number) => i % 20 !== 0;
const favoriteCategory = (i: number): string | null => (i % 13 === 0 ? null : CATEGORIES[i % CATEGORIES.length]!);
const rfmSegment = (i: number): string => SEGMENTS[i % SEGMENTS.length]!;
/** 0 for 1 in 10 people, else 1-3. */
const purchaseCount = (i: number): number => (i % 10 === 0 ? 0 : 1 + (i % 3));
const purchaseProduct = (i: number, k: number): string => PRODUCTS[(i * 3 + k) % PRODUCTS.length]!;

// ---------------------------------------------------------------- the two emails

const BASE = {
  subject: '{{ first_name | default: "Hi there" }}, your {{ tier | upcase }} winter offer',
  body: `Hello {{ first_name | default: "there" }},

As a {{ tier }} member in {{ country | default: "your country" }} you get {{ offer }} until {{ deadline }}.
{% if tier == "max" %}Max members also get {{ bonus }}.{% endif %}
Use code {{ code }} at checkout: {{ link }}
@360@
You receive this at {{ email }} because you subscribed. Unsubscribe: {{ unsubscribe }}`,
  html: `<html><body><h1>Hello {{ first_name | default: "there" }}</h1>
<p>As a <b>{{ tier }}</b> member in {{ country | default: "your country" }} you get <b>{{ offer }}</b> until {{ deadline }}.</p>
{% if tier == "max" %}<p>Max members also get {{ bonus }}.</p>{% endif %}
<p><a href="{{ link }}">Use code {{ code }}</a></p>
@360@
<p style="font-size:11px">Sent to {{ email }}. <a href="{{ unsubscribe }}">Unsubscribe</a></p></body></html>`,
};
const TEMPLATE_VARS = {
  offer: '20% off your next order',
  deadline: 'December 24',
  bonus: 'free shipping',
  code: 'WINTER20',
  link: 'https://example.com/offer',
  unsubscribe: 'https://example.com/u',
};
const AT_RISK_LINE = 'We miss you: take another 10% off on top.';

const profileVariant: VariantContent = {
  subject: BASE.subject,
  body: BASE.body.replace('@360@\n', ''),
  html: BASE.html.replace('@360@\n', ''),
  template_vars: TEMPLATE_VARS,
};
const fullVariant: VariantContent = {
  subject: '{{ first_name | default: "Hi there" }}, new in {{ preferences.favorite_category | default: "our picks" }}: your {{ tier | upcase }} winter offer',
  body: BASE.body.replace(
    '@360@',
    `{% if scores.rfm_segment == "at_risk" %}${AT_RISK_LINE}{% endif %}
How did you like {{ last_purchase.product | default: "your last order" }}? There is more in {{ preferences.favorite_category | default: "our picks" }}.`,
  ),
  html: BASE.html.replace(
    '@360@',
    `{% if scores.rfm_segment == "at_risk" %}<p>${AT_RISK_LINE}</p>{% endif %}
<p>How did you like {{ last_purchase.product | default: "your last order" }}? There is more in <b>{{ preferences.favorite_category | default: "our picks" }}</b>.</p>`,
  ),
  template_vars: TEMPLATE_VARS,
};

// ---------------------------------------------------------------- setup

async function freshDatabase(dialect: Dialect): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bench-personalize-'));
    return { url: join(dir, 'personalize.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `bench_personalize_${process.pid}`;
  await pgAdmin(async (admin) => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  });
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => pgAdmin((admin) => admin.unsafe(`drop database if exists ${name} with (force)`)).then(() => undefined) };
}

async function pgAdmin<T>(fn: (admin: postgres.Sql) => Promise<T>): Promise<T> {
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    return await fn(admin);
  } finally {
    await admin.end({ timeout: 5 }).catch(() => {});
  }
}

async function pgUnreachable(): Promise<string | null> {
  try {
    await pgAdmin((admin) => admin`select 1`);
    return null;
  } catch (err) {
    return `PostgreSQL unreachable at ${PG_URL}: ${(err as Error).message}`;
  }
}

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  country: string;
  zone: string;
  tier: string;
}

const userFields = (i: number): UserRow => ({
  id: userId(i),
  email: `${userId(i)}@example.com`,
  name: hasName(i) ? `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]}` : null,
  country: COUNTRIES[i % COUNTRIES.length]!,
  zone: ZONES[i % ZONES.length]!,
  tier: TIERS[i % TIERS.length]!,
});

interface MemoryRow {
  id: string;
  userId: string;
  subject: string;
  predicate: string;
  value: string;
  content: string;
  importance: number;
  createdAt: number;
}

function memoriesOf(i: number, now: number): MemoryRow[] {
  const u = userId(i);
  const fav = favoriteCategory(i);
  return [
    fav
      ? { id: `mem_${u}_0`, userId: u, subject: 'favorite category', predicate: 'is', value: fav, content: `Their favorite category is ${fav}.`, importance: 0.9, createdAt: now - 20 * DAY }
      : { id: `mem_${u}_0`, userId: u, subject: 'gift wrapping', predicate: 'wants', value: 'yes', content: 'Asked for gift wrapping.', importance: 0.4, createdAt: now - 20 * DAY },
    { id: `mem_${u}_1`, userId: u, subject: 'preferred channel', predicate: 'is', value: 'email', content: 'Prefers to hear from us by email.', importance: 0.6, createdAt: now - 10 * DAY },
    { id: `mem_${u}_2`, userId: u, subject: 'shoe size', predicate: 'is', value: String(36 + (i % 12)), content: `Wears shoe size ${36 + (i % 12)}.`, importance: 0.5, createdAt: now - 5 * DAY },
  ];
}

function scoreOf(i: number) {
  const seg = rfmSegment(i);
  return {
    userId: userId(i),
    recencyDays: seg === 'at_risk' ? 120 + (i % 60) : 5 + (i % 30),
    frequency: purchaseCount(i),
    monetary: 25 * purchaseCount(i),
    r: seg === 'at_risk' ? 1 : 4,
    f: 1 + (i % 5),
    m: 1 + ((i * 7) % 5),
    segment: seg,
    churn: seg === 'at_risk' ? 0.6 + (i % 40) / 100 : (i % 50) / 100,
    expected: 0.2 + (i % 10) / 10,
    ltv: 40 + (i % 400),
  };
}

/** People, memories and scores as fast as the driver allows. */
async function insertPeople(x: Executor, n: number): Promise<void> {
  const now = Date.now();
  const created = now - 60 * DAY;
  const raw = x.raw;
  if (raw.dialect === 'sqlite') {
    const user = raw.db.prepare(`
      INSERT INTO users (workspace_id, id, email, phone, name, status, country, timezone, locale, tier, subscription_status, is_trial,
                         credits_remaining, consent_email, consent_push, consent_sms, consent_in_app, consent_webhook, traits,
                         created_at, updated_at, last_event_at)
      VALUES (?, ?, ?, NULL, ?, 'active', ?, ?, 'en', ?, 'active', 0, 0, 1, 0, 0, 1, 0, '{}', ?, ?, NULL)`);
    const memory = raw.db.prepare(`
      INSERT INTO memories (workspace_id, id, user_id, memory_type, subject, predicate, object_value, event_type, content, importance, confidence, created_at)
      VALUES (?, ?, ?, 'factual', ?, ?, ?, NULL, ?, ?, 1, ?)`);
    const score = raw.db.prepare(`
      INSERT INTO user_scores (workspace_id, user_id, recency_days, frequency, monetary, rfm_r, rfm_f, rfm_m, rfm_segment, churn_risk,
                               expected_purchases_90d, predicted_ltv, computed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    raw.db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const f = userFields(i);
        user.run(WS, f.id, f.email, f.name, f.country, f.zone, f.tier, created, now);
        for (const m of memoriesOf(i, now)) memory.run(WS, m.id, m.userId, m.subject, m.predicate, m.value, m.content, m.importance, m.createdAt);
        const s = scoreOf(i);
        score.run(WS, s.userId, s.recencyDays, s.frequency, s.monetary, s.r, s.f, s.m, s.segment, s.churn, s.expected, s.ltv, now);
      }
    })();
    return;
  }
  const at = (ms: number) => new Date(ms).toISOString();
  // Numbers go as text arrays cast in SQL (the driver binds arrays of strings only, as text[]).
  const num = <T>(rows: T[], f: (r: T) => number) => rows.map((r) => String(f(r)));
  await raw.sql.begin(async (tx) => {
    for (let start = 0; start < n; start += PG_BATCH) {
      const idx = Array.from({ length: Math.min(PG_BATCH, n - start) }, (_, k) => start + k);
      const users = idx.map(userFields);
      await tx`
        INSERT INTO users (workspace_id, id, email, phone, name, status, country, timezone, locale, tier, subscription_status, is_trial,
                           credits_remaining, consent_email, consent_push, consent_sms, consent_in_app, consent_webhook, traits,
                           created_at, updated_at, last_event_at)
        SELECT ${WS}, d.id, d.email, NULL, d.name, 'active', d.country, d.zone, 'en', d.tier, 'active', false,
               0, true, false, false, true, false, '{}'::jsonb, ${at(created)}::timestamptz, ${at(now)}::timestamptz, NULL
        FROM unnest(${users.map((f) => f.id)}::text[], ${users.map((f) => f.email)}::text[], ${users.map((f) => f.name) as string[]}::text[],
                    ${users.map((f) => f.country)}::text[], ${users.map((f) => f.zone)}::text[], ${users.map((f) => f.tier)}::text[])
             AS d(id, email, name, country, zone, tier)`;
      const mems = idx.flatMap((i) => memoriesOf(i, now));
      await tx`
        INSERT INTO memories (workspace_id, id, user_id, memory_type, subject, predicate, object_value, event_type, content, importance, confidence, created_at)
        SELECT ${WS}, d.id, d.user_id, 'factual', d.subject, d.predicate, d.value, NULL, d.content, d.importance::float8, 1, d.created_at::timestamptz
        FROM unnest(${mems.map((m) => m.id)}::text[], ${mems.map((m) => m.userId)}::text[], ${mems.map((m) => m.subject)}::text[],
                    ${mems.map((m) => m.predicate)}::text[], ${mems.map((m) => m.value)}::text[], ${mems.map((m) => m.content)}::text[],
                    ${mems.map((m) => String(m.importance))}::text[], ${mems.map((m) => at(m.createdAt))}::text[])
             AS d(id, user_id, subject, predicate, value, content, importance, created_at)`;
      const scores = idx.map(scoreOf);
      await tx`
        INSERT INTO user_scores (workspace_id, user_id, recency_days, frequency, monetary, rfm_r, rfm_f, rfm_m, rfm_segment, churn_risk,
                                 expected_purchases_90d, predicted_ltv, computed_at)
        SELECT ${WS}, d.user_id, d.recency::float8, d.frequency::int, d.monetary::float8, d.r::int, d.f::int, d.m::int, d.segment,
               d.churn::float8, d.expected::float8, d.ltv::float8, ${at(now)}::timestamptz
        FROM unnest(${scores.map((s) => s.userId)}::text[], ${num(scores, (s) => s.recencyDays)}::text[], ${num(scores, (s) => s.frequency)}::text[],
                    ${num(scores, (s) => s.monetary)}::text[], ${num(scores, (s) => s.r)}::text[], ${num(scores, (s) => s.f)}::text[],
                    ${num(scores, (s) => s.m)}::text[], ${scores.map((s) => s.segment)}::text[], ${num(scores, (s) => s.churn)}::text[],
                    ${num(scores, (s) => s.expected)}::text[], ${num(scores, (s) => s.ltv)}::text[])
             AS d(user_id, recency, frequency, monetary, r, f, m, segment, churn, expected, ltv)`;
    }
  });
}

/**
 * 1-3 purchases per person (none for 1 in 10), the last one (k = count - 1) the newest, with the
 * per-user aggregates the last-purchase lookup joins. SQLite: through store.events.insert in
 * batches of 5,000 (it keeps the aggregates in the same transaction). PostgreSQL, where that takes
 * about two minutes for 100k people (an UPDATE of users per person): bulk-inserted (value derived with
 * eventValue, as every writer does), then store.events.rebuildAggregates, as after any bulk load.
 * (rebuildAggregates on SQLite is no option: its UPDATE of users.last_event_at searches the
 * summary by workspace only, per user, so it grows with the square of N: ~10 min for 100k.)
 */
async function insertPurchases(store: OpenedStore, n: number): Promise<number> {
  const now = Date.now();
  const x = store.executor;
  const raw = x.raw;
  const eventsOf = (i: number) => {
    const count = purchaseCount(i);
    return Array.from({ length: count }, (_, k) => {
      const properties = { product: purchaseProduct(i, k), amount: 10 + ((i + k) % 90) };
      return { id: `ev_${userId(i)}_${k}`, userId: userId(i), properties, value: eventValue(properties), at: now - (count - k) * 7 * DAY - (i % 1000) * 1000 };
    });
  };
  if (raw.dialect === 'sqlite') {
    let batch: TrackedEvent[] = [];
    for (let i = 0; i < n; i++) {
      for (const e of eventsOf(i)) batch.push({ id: e.id, user_id: e.userId, type: 'purchase', properties: e.properties, occurred_at: new Date(e.at) });
      if (batch.length >= EVENT_BATCH || i === n - 1) {
        await store.events.insert(WS, batch);
        batch = [];
      }
    }
  } else {
    await raw.sql.begin(async (tx) => {
      for (let start = 0; start < n; start += PG_BATCH) {
        const evs = Array.from({ length: Math.min(PG_BATCH, n - start) }, (_, k) => eventsOf(start + k)).flat();
        await tx`
          INSERT INTO events (workspace_id, id, user_id, type, properties, value, source, occurred_at, received_at)
          SELECT ${WS}, d.id, d.user_id, 'purchase', d.properties::jsonb, d.value::float8, 'api', d.at::timestamptz, ${new Date(now).toISOString()}::timestamptz
          FROM unnest(${evs.map((e) => e.id)}::text[], ${evs.map((e) => e.userId)}::text[], ${evs.map((e) => JSON.stringify(e.properties))}::text[],
                      ${evs.map((e) => String(e.value))}::text[], ${evs.map((e) => new Date(e.at).toISOString())}::text[])
               AS d(id, user_id, properties, value, at)`;
      }
    });
    await store.events.rebuildAggregates(WS);
  }
  const int = raw.dialect === 'postgres' ? '::int' : '';
  const [c] = await query<{ events: number; summaries: number }>(
    x,
    `select (select count(*)${int} from events where workspace_id = ?) as events,
            (select count(*)${int} from user_event_summary where workspace_id = ? and event_type = 'purchase') as summaries`,
    [WS, WS],
  );
  const buyers = Array.from({ length: n }, (_, i) => i).filter((i) => purchaseCount(i) > 0).length;
  if (c?.summaries !== buyers) throw new Error(`the purchase aggregates cover ${c?.summaries} people, expected ${buyers}`);
  return c.events;
}

async function query<T>(x: Executor, sqlText: string, params: unknown[] = []): Promise<T[]> {
  const raw = x.raw;
  if (raw.dialect === 'sqlite') return raw.db.prepare(sqlText).all(...params) as T[];
  let i = 0;
  return (await raw.sql.unsafe(sqlText.replace(/\?/g, () => `$${++i}`), params as never[])) as unknown as T[];
}

async function loadProfiles(x: Executor): Promise<RecipientProfile[]> {
  const rows = await query<{ id: string; name: string | null; email: string | null; tier: string; country: string | null; locale: string; timezone: string }>(
    x,
    'select id, name, email, tier, country, locale, timezone from users where workspace_id = ? order by id',
    [WS],
  );
  return rows.map((r) => ({ id: r.id, name: r.name, email: r.email, tier: r.tier, country: r.country, locale: r.locale, timezone: r.timezone }));
}

// ---------------------------------------------------------------- measurement

interface Deps {
  store: OpenedStore;
  platform: ReturnType<typeof embeddedSources>;
}

/** The baseline: the profile-only email for everyone, batch by batch, no context. */
function profileOnlyPass(people: RecipientProfile[]): { renderMs: number; bytes: number } {
  let bytes = 0;
  const t0 = performance.now();
  for (let s = 0; s < people.length; s += BATCH) {
    const end = Math.min(people.length, s + BATCH);
    for (let i = s; i < end; i++) {
      const m = renderMessage(profileVariant, people[i]!, 'email');
      bytes += m.text.length + (m.html?.length ?? 0) + (m.subject?.length ?? 0);
    }
  }
  return { renderMs: performance.now() - t0, bytes };
}

/** The 360 email: per batch, load the context (timed), then render with it (timed apart). */
async function fullPass(deps: Deps, people: RecipientProfile[], onRendered?: (p: RecipientProfile, m: RenderedMessage, data: Record<string, unknown> | undefined) => void) {
  let loadMs = 0;
  let renderMs = 0;
  let bytes = 0;
  let queriesCalls = 0;
  for (let s = 0; s < people.length; s += BATCH) {
    const batch = people.slice(s, s + BATCH);
    const t0 = performance.now();
    // What batchContexts does: the roots the variant reads, then one load for the batch.
    const roots = contextRoots(variantVariables(fullVariant));
    const contexts = await personContexts(deps, WS, batch.map((p) => p.id), roots, CAMPAIGN);
    const t1 = performance.now();
    for (const p of batch) {
      const data = contexts.get(p.id)?.data;
      const m = renderMessage(fullVariant, p, 'email', data);
      bytes += m.text.length + (m.html?.length ?? 0) + (m.subject?.length ?? 0);
      onRendered?.(p, m, data);
    }
    const t2 = performance.now();
    loadMs += t1 - t0;
    renderMs += t2 - t1;
    queriesCalls++;
  }
  return { loadMs, renderMs, bytes, batches: queriesCalls };
}

/** Context loading alone for a set of roots (what each root costs by itself), batch by batch. */
async function loadOnlyPass(deps: Deps, people: RecipientProfile[], roots: ReadonlySet<ContextRoot>): Promise<number> {
  let ms = 0;
  for (let s = 0; s < people.length; s += BATCH) {
    const ids = people.slice(s, s + BATCH).map((p) => p.id);
    const t0 = performance.now();
    await personContexts(deps, WS, ids, roots, CAMPAIGN);
    ms += performance.now() - t0;
  }
  return ms;
}

interface Verification {
  checked: number;
  withFavorite: number;
  withoutFavorite: number;
  atRisk: number;
  withoutPurchase: number;
  againstLiquidjs: number;
  /** Renders (subject, text and HTML count apart) the direct renderer handed to liquidjs. */
  liquidjsFallbacks: { profileOnly: number; full: number };
  /** The first person of each case, with what they got. */
  sample: { kind: string; person: string; subject: string | null; line: string }[];
}

/** Counts liquidjs renders while fn runs (the direct renderer falls back to Liquid#renderSync). */
async function countingLiquidjs<T>(fn: () => Promise<T> | T): Promise<{ result: T; calls: number }> {
  const proto = Liquid.prototype as unknown as { renderSync: (...a: unknown[]) => unknown };
  const original = proto.renderSync;
  let calls = 0;
  proto.renderSync = function (this: unknown, ...args: unknown[]) {
    calls++;
    return original.apply(this, args);
  };
  try {
    return { result: await fn(), calls };
  } finally {
    proto.renderSync = original;
  }
}

/** Every person's 360 email against their data, a sample against liquidjs itself; throws on a mismatch. */
async function verify(deps: Deps, people: RecipientProfile[]): Promise<Verification> {
  const products = new Map<string, string>();
  for (const [i] of people.entries()) {
    const count = purchaseCount(i);
    if (count > 0) products.set(userId(i), purchaseProduct(i, count - 1));
  }
  const reference = {
    subject: compileTemplate(fullVariant.subject!, 'text', { direct: false }),
    text: compileTemplate(fullVariant.body, 'text', { direct: false }),
    html: compileTemplate(fullVariant.html!, 'html', { direct: false }),
  };
  const every = Math.max(1, Math.floor(people.length / REFERENCE_SAMPLE));
  const v: Verification = { checked: 0, withFavorite: 0, withoutFavorite: 0, atRisk: 0, withoutPurchase: 0, againstLiquidjs: 0, liquidjsFallbacks: { profileOnly: 0, full: 0 }, sample: [] };
  const fail = (p: RecipientProfile, what: string, m: RenderedMessage) => {
    throw new Error(`verification failed for ${p.id}: ${what}; rendered ${JSON.stringify(m)}`);
  };
  const full = await countingLiquidjs(() =>
    fullPass(deps, people, (p, m, data) => {
      const i = Number(p.id.slice(2));
      if (userId(i) !== p.id) fail(p, 'unexpected id', m);
      const fav = favoriteCategory(i);
      const product = products.get(p.id);
      // Expectations from the generated data, not from the profile read back.
      const f = userFields(i);
      const first = f.name ? f.name.split(' ')[0]! : 'Hi there';
      const subject = `${first}, new in ${fav ?? 'our picks'}: your ${f.tier.toUpperCase()} winter offer`;
      if (m.subject !== subject) fail(p, `subject should be ${JSON.stringify(subject)}`, m);
      const asked = `How did you like ${product ?? 'your last order'}? There is more in ${fav ?? 'our picks'}.`;
      if (!m.text.includes(asked)) fail(p, `text should say ${JSON.stringify(asked)}`, m);
      if (m.text.includes(AT_RISK_LINE) !== (rfmSegment(i) === 'at_risk')) fail(p, `the at-risk line should ${rfmSegment(i) === 'at_risk' ? '' : 'not '}be there`, m);
      if (m.text.includes('{{') || m.html?.includes('{{') || m.html?.includes('{%')) fail(p, 'unrendered Liquid left', m);
      v.checked++;
      if (fav) v.withFavorite++;
      else v.withoutFavorite++;
      if (rfmSegment(i) === 'at_risk') v.atRisk++;
      if (!product) v.withoutPurchase++;
      const kind = fav === 'shoes' ? 'favorite category shoes' : !fav ? 'no favorite category' : !product ? 'no purchases' : null;
      if (kind && !v.sample.some((x) => x.kind === kind)) v.sample.push({ kind, person: p.id, subject: m.subject, line: m.text.split('\n').find((l) => l.startsWith('How did you like')) ?? '' });
      if (i % every === 0) {
        // The data renderVariant builds (render.ts profileData, then the context's roots), spelled out.
        const d: Record<string, unknown> = { user_id: p.id, tier: p.tier, locale: p.locale, timezone: p.timezone };
        if (p.name) Object.assign(d, { user_name: p.name, first_name: p.name.split(/\s/)[0] });
        if (p.email) d['email'] = p.email;
        if (p.country) d['country'] = p.country;
        d['user'] = d;
        for (const [k, val] of Object.entries(data ?? {})) if (!(k in d)) d[k] = val;
        const want = { subject: reference.subject.render(d, TEMPLATE_VARS), text: reference.text.render(d, TEMPLATE_VARS), html: reference.html.render(d, TEMPLATE_VARS) };
        if (m.subject !== want.subject || m.text !== want.text || m.html !== want.html) fail(p, `liquidjs renders ${JSON.stringify(want)}`, m);
        v.againstLiquidjs++;
      }
    }),
  );
  // The reference renders above went through liquidjs on purpose: take them out of the count.
  v.liquidjsFallbacks.full = full.calls - 3 * v.againstLiquidjs;
  v.liquidjsFallbacks.profileOnly = (await countingLiquidjs(() => profileOnlyPass(people))).calls;
  if (v.checked !== people.length) throw new Error(`verification rendered ${v.checked} people, expected ${people.length}`);
  if (v.withoutPurchase === 0 || v.withoutFavorite === 0 || v.atRisk === 0) throw new Error('verification did not see every case (no purchase, no favorite, at risk)');
  if (v.sample.length !== 3) throw new Error(`verification did not see every case: ${JSON.stringify(v.sample)}`);
  return v;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round2 = (n: number) => Math.round(n * 100) / 100;

interface RunTimes {
  profileRenderMs: number;
  loadMs: number;
  fullRenderMs: number;
}

interface DialectResult {
  dialect: Dialect;
  people: number;
  events: number;
  setupMs: number;
  batches: number;
  runs: RunTimes[];
  /** µs per message, each the median over the runs. */
  us: { profileRender: number; load: number; fullRender: number; fullTotal: number };
  perSecond: { profileOnly: number; full: number };
  loadMsPerBatch: number;
  /**
   * Context loading µs per message for scores + last_purchase only (median of the runs): contextOf
   * without its memories query (people, event totals, scores, last purchases, which it reads
   * whatever the roots); the rest of `us.load` is the memories (what preferences reads).
   */
  loadWithoutMemoriesUs: number;
  verification: Verification;
  load1: number;
}

async function measureDialect(dialect: Dialect): Promise<DialectResult> {
  const db = await freshDatabase(dialect);
  let store: OpenedStore | undefined;
  try {
    const load1 = Number(loadavg()[0]!.toFixed(2));
    const setupStarted = performance.now();
    store = await openStore({ databaseUrl: db.url, clock: systemClock, log: silentLogger });
    const x = store.executor;
    await insertPeople(x, USERS);
    const events = await insertPurchases(store, USERS);
    if (x.raw.dialect === 'sqlite') x.raw.db.exec('ANALYZE');
    else await x.raw.sql`analyze`;
    const people = await loadProfiles(x);
    if (people.length !== USERS) throw new Error(`loaded ${people.length} profiles, expected ${USERS}`);
    const setupMs = Math.round(performance.now() - setupStarted);
    console.log(`  ${dialect}: ${fmt(USERS)} people, ${fmt(events)} purchases, ${fmt(3 * USERS)} memories set up in ${fmt(setupMs)} ms (load1 ${load1})`);

    const deps: Deps = { store, platform: embeddedSources(store) };
    const verification = await verify(deps, people);
    console.log(
      `  ${dialect}: verified ${fmt(verification.checked)} renders (${fmt(verification.withoutFavorite)} without a favorite category, ${fmt(verification.withoutPurchase)} without purchases, ` +
        `${fmt(verification.atRisk)} at risk; ${fmt(verification.againstLiquidjs)} against liquidjs); liquidjs fallbacks: ${verification.liquidjsFallbacks.profileOnly} profile-only, ${verification.liquidjsFallbacks.full} 360`,
    );
    for (const s of verification.sample) console.log(`    ${s.person} (${s.kind}): ${JSON.stringify(s.subject)} / ${JSON.stringify(s.line)}`);

    // Warm-up, then the timed runs.
    profileOnlyPass(people);
    await fullPass(deps, people);
    const runs: RunTimes[] = [];
    let batches = 0;
    for (let r = 0; r < RUNS; r++) {
      const base = profileOnlyPass(people);
      const full = await fullPass(deps, people);
      batches = full.batches;
      runs.push({ profileRenderMs: round2(base.renderMs), loadMs: round2(full.loadMs), fullRenderMs: round2(full.renderMs) });
    }
    const us = (ms: number) => round2((ms * 1000) / USERS);
    // Where the loading goes: the same load without preferences, so without the memories query.
    const noMemories = new Set<ContextRoot>(['scores', 'last_purchase']);
    await loadOnlyPass(deps, people, noMemories);
    const noMemoryTimes: number[] = [];
    for (let r = 0; r < RUNS; r++) noMemoryTimes.push(await loadOnlyPass(deps, people, noMemories));
    const loadWithoutMemoriesUs = us(median(noMemoryTimes));
    const profileRender = us(median(runs.map((r) => r.profileRenderMs)));
    const load = us(median(runs.map((r) => r.loadMs)));
    const fullRender = us(median(runs.map((r) => r.fullRenderMs)));
    const fullTotal = us(median(runs.map((r) => r.loadMs + r.fullRenderMs)));
    return {
      dialect,
      people: USERS,
      events,
      setupMs,
      batches,
      runs,
      us: { profileRender, load, fullRender, fullTotal },
      perSecond: { profileOnly: Math.round(1e6 / profileRender), full: Math.round(1e6 / fullTotal) },
      loadMsPerBatch: round2(median(runs.map((r) => r.loadMs)) / batches),
      loadWithoutMemoriesUs,
      verification,
      load1,
    };
  } finally {
    if (store) await store.close().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- report

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Left-aligned first column, right-aligned numbers. */
function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  const bad = DIALECTS.filter((d) => d !== 'sqlite' && d !== 'postgres');
  if (bad.length > 0) throw new Error(`BENCH_DIALECTS: unknown dialect(s) ${bad.join(', ')} (use sqlite,postgres)`);
  if (!Number.isInteger(USERS) || USERS <= 0) throw new Error(`BENCH_PERSONALIZE_USERS must be a positive integer (got ${process.env.BENCH_PERSONALIZE_USERS})`);
  console.log(
    `personalize bench: ${fmt(USERS)} people, one email each (subject + text + HTML), batches of ${fmt(BATCH)}, median of ${RUNS} runs after a warm-up; ` +
      `${cpus().length} cpus (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}, load1 ${loadavg()[0]!.toFixed(2)}`,
  );
  const results: Partial<Record<Dialect, DialectResult | { skipped: string } | { failed: string }>> = {};
  for (const dialect of DIALECTS as Dialect[]) {
    if (dialect === 'postgres') {
      const why = await pgUnreachable();
      if (why) {
        results.postgres = { skipped: why };
        continue;
      }
    }
    try {
      results[dialect] = await measureDialect(dialect);
    } catch (err) {
      console.error(`\nFAIL  ${dialect}: ${(err as Error).stack ?? (err as Error).message}\n`);
      results[dialect] = { failed: (err as Error).message };
      process.exitCode = 1;
    }
  }

  const measured = Object.values(results).filter((r): r is DialectResult => 'us' in r);
  console.log('');
  if (measured.length > 0) {
    const rows: string[][] = [];
    for (const r of measured) {
      rows.push(
        [`${r.dialect} profile-only`, '–', r.us.profileRender.toFixed(2), r.us.profileRender.toFixed(2), fmt(r.perSecond.profileOnly), '1.00', '–'],
        [
          `${r.dialect} 360 (preferences, scores, last_purchase)`,
          r.us.load.toFixed(2),
          r.us.fullRender.toFixed(2),
          r.us.fullTotal.toFixed(2),
          fmt(r.perSecond.full),
          (r.us.fullTotal / r.us.profileRender).toFixed(2),
          r.loadMsPerBatch.toFixed(1),
        ],
      );
    }
    printTable(['per message', 'load µs', 'render µs', 'total µs', 'messages/s', 'x profile-only', 'load ms/batch'], rows);
    for (const r of measured) {
      console.log(
        `${r.dialect}: the 360 roots add ${(r.us.fullTotal - r.us.profileRender).toFixed(2)} µs per message ` +
          `(${(r.us.load).toFixed(2)} loading, ${(r.us.fullRender - r.us.profileRender).toFixed(2)} more rendering)`,
      );
    }
  }
  if (measured.length > 0) {
    console.log(
      '\nwhere the loading goes, µs per message (median of 3 runs): contextOf reads people, event totals, scores and last purchases ' +
        'whatever the roots, and the memories (top 20 per person) only for preferences or memories',
    );
    printTable(
      ['dialect', 'scores + last_purchase (no memories)', 'memories (preferences)', 'all three roots'],
      measured.map((r) => [r.dialect, r.loadWithoutMemoriesUs.toFixed(2), (r.us.load - r.loadWithoutMemoriesUs).toFixed(2), r.us.load.toFixed(2)]),
    );
  }
  for (const [dialect, r] of Object.entries(results)) {
    if ('skipped' in r) console.log(`SKIP  ${dialect}: ${r.skipped}`);
    if ('failed' in r) console.log(`FAIL  ${dialect}: ${r.failed}`);
  }

  mkdirSync('.bench-out', { recursive: true });
  const out = {
    bench: 'personalize',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, loadavg: loadavg() },
    sizes: { users: USERS, batch: BATCH, runs: RUNS, memoriesPerPerson: 3 },
    variants: { profileOnly: profileVariant, full: fullVariant },
    results,
  };
  writeFileSync('.bench-out/personalize.json', `${JSON.stringify(out, null, 2)}\n`);
  console.log('wrote .bench-out/personalize.json');
}

await main();
