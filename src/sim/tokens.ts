/**
 * The tracking tokens a sent email really carries: its open pixel and its tracked links, found in
 * the stored rendered content and checked with the tracking service's own verification. A
 * simulated person can only be seen doing what the email lets them be seen doing: an email
 * without a pixel (text only, or sent while tracking was off) records no open, one without
 * tracked links no click.
 */
import type { TokenPayload } from '../domain/tracking/token.js';
import type { Tracking } from '../services/tracking.js';

export interface MessageTokens {
  open: TokenPayload | null;
  /** One per tracked link, in link-index order. */
  clicks: TokenPayload[];
}

const TRACKING_URL = /\/t\/([oc])\/([A-Za-z0-9_-]{1,400})/g;

export function messageTokens(tracking: Tracking, workspaceId: string, messageId: string, rendered: Record<string, unknown> | null): MessageTokens {
  const out: MessageTokens = { open: null, clicks: [] };
  if (!rendered) return out;
  const parts = [rendered['html'], rendered['text']].filter((p): p is string => typeof p === 'string');
  const clicks = new Map<number, TokenPayload>();
  for (const part of parts) {
    for (const [, route, token] of part.matchAll(TRACKING_URL)) {
      const p = tracking.verify(token!);
      if (!p || p.workspaceId !== workspaceId || p.messageId !== messageId) continue;
      if (route === 'o' && p.kind === 'open') out.open = p;
      else if (route === 'c' && p.kind === 'click' && p.link !== undefined) clicks.set(p.link, p);
    }
  }
  out.clicks = [...clicks.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
  return out;
}
