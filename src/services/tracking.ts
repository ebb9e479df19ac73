/**
 * Open, click and unsubscribe tracking: the signed URLs a rendered email carries, and the
 * recording of the hits those URLs receive.
 *
 * Hits are written by a small batching writer: requests that arrive while a write is running
 * wait for the next one, and each request is answered only after its hit has committed, so a
 * crash loses nothing that was acknowledged, while a burst costs one transaction per batch
 * rather than one per request.
 */
import type { Clock, Logger, Store } from '../domain/ports.js';
import { isMachineHit, type EngagementHit, type TrackingTarget } from '../domain/tracking/engagement.js';
import { trackLinks } from '../domain/tracking/links.js';
import { signToken, verifyToken, type TokenPayload, type TrackingKeyring } from '../domain/tracking/token.js';

export interface MessageTrackingUrls {
  click(index: number): string;
  open: string;
  unsubscribe: string;
}

export type HitResult =
  | { ok: true; kind: 'open' }
  | { ok: true; kind: 'click'; redirect: string }
  | { ok: true; kind: 'unsubscribe'; campaignId: string }
  | { ok: false; reason: 'not_found' };

export interface HitRequest {
  token: TokenPayload;
  userAgent?: string;
  /** unsubscribe only: the RFC 8058 one-click POST or the confirmation page's form. */
  source?: 'one_click' | 'page';
}

export interface Tracking {
  /** Where the tracking routes live, e.g. https://t.example.com (no trailing slash). */
  readonly baseUrl: string;
  /** The HTTP server is listening at `origin`: use it as the base URL unless one was configured. */
  listeningAt(origin: string): void;
  urlsFor(workspaceId: string, messageId: string): MessageTrackingUrls;
  /** The token's payload if it is genuine and current, else null. */
  verify(token: string): TokenPayload | null;
  /** Looks up what a token names without recording anything (the unsubscribe page). */
  target(token: TokenPayload): Promise<TrackingTarget | null>;
  /** Records a hit; resolves once it has committed. */
  record(hit: HitRequest): Promise<HitResult>;
  /** Waits for pending writes. */
  flush(): Promise<void>;
}

/** Messages that went out (or are going out) can be opened and clicked; others are unknown. */
const TRACKABLE = new Set(['sending', 'sent', 'delivered']);
/** Hits per write transaction at most. */
const MAX_BATCH = 500;

export function createTracking(deps: { store: Store; clock: Clock; log: Logger; keyring: TrackingKeyring; baseUrl: string; configured: boolean }): Tracking {
  const { store, clock, log, keyring } = deps;
  let base = deps.baseUrl.replace(/\/+$/, '');
  const url = (route: 'o' | 'c' | 'u', p: TokenPayload) => `${base}/t/${route}/${signToken(keyring, p)}`;

  type Pending = { hit: HitRequest; at: Date; resolve: (r: HitResult) => void; reject: (e: unknown) => void };
  let queue: Pending[] = [];
  let running: Promise<void> | null = null;

  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      try {
        const results = await processBatch(store, batch);
        batch.forEach((p, i) => p.resolve(results[i]!));
      } catch (err) {
        log.error({ err, hits: batch.length }, 'recording tracking hits failed');
        for (const p of batch) p.reject(err);
      }
    }
    running = null;
  };

  return {
    get baseUrl() {
      return base;
    },
    listeningAt: (origin) => {
      if (!deps.configured) base = origin.replace(/\/+$/, '');
    },
    urlsFor: (workspaceId, messageId) => ({
      click: (link) => url('c', { kind: 'click', workspaceId, messageId, link }),
      // Signed when asked for: a text-only email needs no pixel.
      get open() {
        return url('o', { kind: 'open', workspaceId, messageId });
      },
      get unsubscribe() {
        return url('u', { kind: 'unsubscribe', workspaceId, messageId });
      },
    }),
    verify: (token) => verifyToken(keyring, token, clock.now()),
    target: async (t) => {
      const target = (await store.engagement.targets(t.workspaceId, [t.messageId])).get(t.messageId);
      return target && TRACKABLE.has(target.status) ? target : null;
    },
    record: (hit) =>
      new Promise<HitResult>((resolve, reject) => {
        queue.push({ hit, at: clock.now(), resolve, reject });
        // After this turn's I/O callbacks (setImmediate), not as a microtask: every request that
        // arrived in the same turn joins the batch, instead of the first one going alone.
        running ??= new Promise<void>((done) => setImmediate(() => void drain().then(done)));
      }),
    flush: async () => {
      while (running) await running;
    },
  };
}

async function processBatch(store: Store, batch: ReadonlyArray<{ hit: HitRequest; at: Date }>): Promise<HitResult[]> {
  const targets = new Map<string, TrackingTarget>();
  // Per workspace, and apart for clicks: only they need the stored links.
  const lists = new Map<string, { ws: string; withLinks: boolean; ids: string[] }>();
  for (const { hit } of batch) {
    const withLinks = hit.token.kind === 'click';
    const key = `${hit.token.workspaceId}\u0000${withLinks}`;
    const list = lists.get(key) ?? { ws: hit.token.workspaceId, withLinks, ids: [] };
    list.ids.push(hit.token.messageId);
    lists.set(key, list);
  }
  for (const { ws, withLinks, ids } of lists.values()) {
    for (const [id, t] of await store.engagement.targets(ws, ids, { withLinks })) {
      const key = `${ws}\u0000${id}`;
      const known = targets.get(key);
      // A message both opened and clicked in one batch keeps its links.
      if (!known || t.links.length > 0) targets.set(key, t);
    }
  }

  const results: HitResult[] = [];
  const hits: EngagementHit[] = [];
  const unsubscribes: Array<{ target: TrackingTarget; at: Date; source: 'one_click' | 'page' }> = [];
  for (const { hit, at } of batch) {
    const { token, userAgent } = hit;
    const target = targets.get(`${token.workspaceId}\u0000${token.messageId}`);
    if (!target || !TRACKABLE.has(target.status)) {
      results.push({ ok: false, reason: 'not_found' });
      continue;
    }
    const ua = userAgent ? { userAgent } : {};
    if (token.kind === 'open') {
      hits.push({ target, kind: 'open', isMachine: isMachineHit('open', userAgent, target.sentAt, at), occurredAt: at, source: 'pixel', ...ua });
      results.push({ ok: true, kind: 'open' });
    } else if (token.kind === 'click') {
      const redirect = target.links[token.link ?? -1];
      if (redirect === undefined) {
        results.push({ ok: false, reason: 'not_found' });
        continue;
      }
      const isMachine = isMachineHit('click', userAgent, target.sentAt, at);
      hits.push({ target, kind: 'click', linkIndex: token.link!, isMachine, occurredAt: at, source: 'redirect', ...ua });
      // A person who clicked opened the message, whether or not their client loaded the pixel.
      if (!isMachine) hits.push({ target, kind: 'open', isMachine: false, occurredAt: at, source: 'click', onlyIfUnique: true, ...ua });
      results.push({ ok: true, kind: 'click', redirect });
    } else {
      const source = hit.source ?? 'one_click';
      hits.push({ target, kind: 'unsubscribe', isMachine: false, occurredAt: at, source, ...ua });
      unsubscribes.push({ target, at, source });
      results.push({ ok: true, kind: 'unsubscribe', campaignId: target.campaignId });
    }
  }
  // The suppression first: an unsubscribe must hold for every later send even if recording the hit failed.
  for (const u of unsubscribes) {
    await store.suppressions.add(
      u.target.workspaceId,
      { userId: u.target.userId, channel: u.target.channel, reason: 'unsubscribed', source: u.source === 'one_click' ? 'list_unsubscribe' : 'unsubscribe_page' },
      u.at,
    );
  }
  await store.engagement.record(hits);
  return results;
}

export interface TrackedEmail {
  content: { subject: string | null; text: string; html: string | null };
  /** The original link targets by index (stored with the message; clicks redirect to them). */
  links: string[];
  /** RFC 2369 / RFC 8058 headers for the message. */
  headers: Record<string, string>;
}

/** An email's content with its links tracked, its open pixel, and its List-Unsubscribe headers. */
export function trackEmail(tracking: Tracking, workspaceId: string, messageId: string, content: TrackedEmail['content']): TrackedEmail {
  const urls = tracking.urlsFor(workspaceId, messageId);
  const headers = { 'List-Unsubscribe': `<${urls.unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
  // Most copy has no link at all: skip the parsers then.
  if (content.html === null && !/https?:\/\//i.test(content.text)) return { content, links: [], headers };
  const tracked = trackLinks(content, content.html === null ? { click: urls.click } : { click: urls.click, open: urls.open });
  return { content: tracked.content, links: tracked.links, headers };
}
