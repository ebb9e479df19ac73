/**
 * The embedded `local` channel through its DeliveryChannel port (the dispatcher normally uses its
 * in-store path, LedgerRepo.deliverInStore): what it delivers it can find again by ledger id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../../src/domain/delivery/channel.js';
import { localChannel } from '../../src/platform/local/delivery.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { dialects } from '../helpers/db.js';

const message = (ledgerId: string, userId: string): OutboundMessage => ({
  ledgerId,
  idempotencyKey: `key-${ledgerId}`,
  workspaceId: 'default',
  campaignId: 'cmp_x',
  userId,
  channel: 'email',
  to: { email: `${userId}@example.com`, phone: null, webhookUrl: null },
  subject: 'Hi',
  text: 'Hello',
  html: null,
  metadata: { campaign_id: 'cmp_x' },
});

describe.each(await dialects())('local channel on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('records each delivery and finds it again by ledger id', async () => {
    const channel = localChannel(t.store.executor, t.clock);
    // The envelope only: the content is on the ledger row the delivery names.
    expect(channel.storedPayload?.(message('m0', 'u0'))).toEqual({ idempotency_key: 'key-m0', campaign_id: expect.any(String), to: expect.any(Object), metadata: expect.any(Object) });
    const results = await channel.deliver([message('m1', 'u1'), message('m2', 'u2')]);
    expect(results).toEqual([
      { ledgerId: 'm1', ok: true, provider: 'local', providerMessageId: expect.stringMatching(/^dlv_/), delivered: true },
      { ledgerId: 'm2', ok: true, provider: 'local', providerMessageId: expect.stringMatching(/^dlv_/), delivered: true },
    ]);
    const found = await channel.lookup([message('m1', 'u1'), message('m3', 'u3')].map(({ ledgerId, workspaceId, userId, channel: c }) => ({ ledgerId, workspaceId, userId, channel: c })));
    expect(found.get('m1')).toEqual({ providerMessageId: results[0]!.ok ? results[0]!.providerMessageId : '', delivered: true });
    expect(found.get('m3')).toBeNull();
  });
});
