/**
 * A recipient as the ledger's `due` read and the send preview select it (the same aliases in
 * both), decoded once: booleans may arrive as 0/1 (SQLite), suppressed channels as a list.
 */
import type { Channel } from '../../domain/campaign.js';
import type { RecipientRecord } from '../../domain/delivery/ports.js';

export interface RecipientRow {
  uid: string | null;
  name: string | null;
  email: string | null;
  phone: string | null;
  webhook_url: string | null;
  ustatus: string | null;
  timezone: string | null;
  locale: string | null;
  tier: string | null;
  country: string | null;
  consent_email: number | boolean | null;
  consent_push: number | boolean | null;
  consent_sms: number | boolean | null;
  consent_in_app: number | boolean | null;
  consent_webhook: number | boolean | null;
  /** Comma-separated suppressed channels (`all` included). */
  suppressed: string | null;
}

export function toRecipient(r: RecipientRow): RecipientRecord & { suppressed: Array<Channel | 'all'> } {
  return {
    exists: r.uid !== null,
    name: r.name,
    email: r.email,
    phone: r.phone,
    webhookUrl: r.webhook_url,
    status: r.ustatus ?? 'deleted',
    timezone: r.timezone ?? 'UTC',
    locale: r.locale ?? 'en',
    tier: r.tier ?? 'free',
    country: r.country,
    consents: {
      email: Boolean(r.consent_email),
      push: Boolean(r.consent_push),
      sms: Boolean(r.consent_sms),
      in_app: Boolean(r.consent_in_app),
      webhook: Boolean(r.consent_webhook),
    },
    suppressed: r.suppressed ? (r.suppressed.split(',') as Array<Channel | 'all'>) : [],
  };
}
