/**
 * Minimal rendering for delivery: `{{ name }}` placeholders filled from the user's profile and
 * the variant's template variables. The Personalization issue replaces this with a full template
 * engine; until then unknown placeholders are refused when a send is scheduled (never rendered
 * as blanks), and a value missing for one user renders as the variable's default when the
 * variant defines one, or else the empty string only for optional profile fields.
 */
import type { Channel } from '../campaign.js';

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g;

/** Profile fields a message may use. */
export const PROFILE_VARIABLES = ['user_id', 'user_name', 'first_name', 'email', 'tier', 'country', 'locale', 'timezone'] as const;

export interface RecipientProfile {
  id: string;
  name: string | null;
  email: string | null;
  tier: string;
  country: string | null;
  locale: string;
  timezone: string;
}

export interface VariantContent {
  subject?: string | null;
  body: string;
  html?: string | null;
  template_vars: Record<string, string>;
}

export interface RenderedMessage {
  subject: string | null;
  text: string;
  html: string | null;
}

/** Placeholders the variant uses that neither the profile nor its template variables provide. */
export function unknownVariables(v: VariantContent): string[] {
  const known = new Set<string>([...PROFILE_VARIABLES, ...Object.keys(v.template_vars)]);
  const used = [v.subject ?? '', v.body, v.html ?? ''].flatMap((s) => [...s.matchAll(PLACEHOLDER)].map((m) => m[1] as string));
  return [...new Set(used.filter((u) => !known.has(u)))];
}

export function renderMessage(v: VariantContent, p: RecipientProfile, channel: Channel): RenderedMessage {
  // A profile value wins when the person has one; otherwise the variant's template value, else ''.
  const fill = (s: string) =>
    s.replace(PLACEHOLDER, (_, name: string) => {
      const own = profileValue(p, name);
      return own ? own : (v.template_vars[name] ?? '');
    });
  const subject = v.subject ? fill(v.subject) : null;
  return {
    subject: channel === 'sms' ? null : subject,
    text: fill(v.body),
    html: channel === 'email' && v.html ? fill(v.html) : null,
  };
}

function profileValue(p: RecipientProfile, name: string): string | undefined {
  switch (name) {
    case 'user_id':
      return p.id;
    case 'user_name':
      return p.name?.trim() || undefined;
    case 'first_name':
      return p.name?.trim().split(/\s+/)[0] || undefined;
    case 'email':
      return p.email ?? undefined;
    case 'tier':
      return p.tier;
    case 'country':
      return p.country ?? undefined;
    case 'locale':
      return p.locale;
    case 'timezone':
      return p.timezone;
    default:
      return undefined;
  }
}
