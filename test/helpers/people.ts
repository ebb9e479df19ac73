/** Hand-made users for delivery tests: every field explicit, written straight into the users table. */
import type { Channel } from '../../src/domain/campaign.js';
import type { OpenedStore } from '../../src/store/open.js';

export interface Person {
  id: string;
  timezone?: string;
  status?: 'active' | 'suspended';
  tier?: string;
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  consents?: Partial<Record<Channel, boolean>>;
  webhookUrl?: string;
}

export async function addPeople(store: OpenedStore, workspaceId: string, people: Person[], now: Date): Promise<void> {
  const x = store.executor;
  const u = x.t.users;
  for (let i = 0; i < people.length; i += 500) {
    const rows = people.slice(i, i + 500).map((p) => ({
      workspaceId,
      id: p.id,
      email: p.email === undefined ? `${p.id}@example.com` : p.email,
      phone: p.phone === undefined ? null : p.phone,
      name: p.name === undefined ? `Person ${p.id}` : p.name,
      status: p.status ?? 'active',
      country: 'DE',
      timezone: p.timezone ?? 'UTC',
      locale: 'en',
      tier: p.tier ?? 'pro',
      subscriptionStatus: 'active',
      isTrial: false,
      creditsRemaining: 0,
      consentEmail: p.consents?.email ?? true,
      consentPush: p.consents?.push ?? false,
      consentSms: p.consents?.sms ?? false,
      consentInApp: p.consents?.in_app ?? true,
      consentWebhook: p.consents?.webhook ?? false,
      traits: p.webhookUrl ? { webhook_url: p.webhookUrl } : {},
      lastEventAt: null,
      createdAt: new Date(now.getTime() - 30 * 86_400_000),
      updatedAt: now,
    }));
    await x.run((db) => db.insert(u).values(rows));
  }
}

/** A dynamic segment of everyone with `tier`, saved through the store. */
export async function tierSegment(store: OpenedStore, workspaceId: string, tier: string, name = `tier ${tier}`): Promise<string> {
  const s = await store.segments.create(
    workspaceId,
    { name, description: '', kind: 'dynamic', rules: { version: 1, root: { kind: 'subscription', field: 'tier', op: 'in', value: [tier] } } },
    'test',
  );
  return s.id;
}
