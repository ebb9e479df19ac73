/**
 * The embedded `local` channel: the default when no notification service is configured. It
 * "delivers" by recording each message in `local_deliveries` (what an inbox received), so the
 * whole pipeline runs, and can be audited, without any outside service. A delivery row holds the
 * envelope (address, idempotency key, campaign and variant); the content is the rendered message
 * on the ledger row it names (`messages.rendered`), written once rather than twice.
 */
import type { Clock } from '../../domain/ports.js';
import type { DeliveryChannel, Found, OutboundMessage } from '../../domain/delivery/channel.js';
import type { Executor } from '../../store/executor.js';
import { newId } from '../../store/ids.js';

/** What the local inbox stores for a message besides its content (see above). */
export const localPayload = (m: OutboundMessage): Record<string, unknown> => ({
  idempotency_key: m.idempotencyKey,
  campaign_id: m.campaignId,
  to: m.to,
  metadata: m.metadata,
  ...(m.headers ? { headers: m.headers } : {}),
});

export function localChannel(x: Executor, clock: Clock): DeliveryChannel {
  const payload = localPayload;
  const results = (batch: readonly OutboundMessage[], ids: string[]) =>
    batch.map((m, i) => ({ ledgerId: m.ledgerId, ok: true as const, provider: 'local', providerMessageId: ids[i] as string, delivered: true }));

  if (x.raw.dialect === 'sqlite') {
    const db = x.raw.db;
    const insert = db.prepare(
      `INSERT INTO local_deliveries (workspace_id, id, message_id, user_id, channel, payload, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const find = db.prepare(`SELECT id FROM local_deliveries WHERE workspace_id = ? AND message_id = ? LIMIT 1`);
    return {
      provider: 'local',
      storedPayload: localPayload,
      deliver: (batch) =>
        x.tx(async () => {
          const now = clock.now().getTime();
          const ids = batch.map((m) => {
            const id = newId('dlv');
            insert.run(m.workspaceId, id, m.ledgerId, m.userId, m.channel, JSON.stringify(payload(m)), now);
            return id;
          });
          return results(batch, ids);
        }),
      lookup: (batch) =>
        x.run(async () =>
          new Map(
            batch.map((m) => {
              const row = find.get(m.workspaceId, m.ledgerId) as { id: string } | undefined;
              return [m.ledgerId, row ? { providerMessageId: row.id, delivered: true } : null];
            }),
          ),
        ),
    };
  }

  const sql = x.raw.sql;
  return {
    provider: 'local',
    storedPayload: localPayload,
    deliver: async (batch) => {
      if (batch.length === 0) return [];
      const now = clock.now();
      const ids = batch.map(() => newId('dlv'));
      const rows = batch.map((m, i) => ({
        workspace_id: m.workspaceId,
        id: ids[i],
        message_id: m.ledgerId,
        user_id: m.userId,
        channel: m.channel,
        payload: JSON.stringify(payload(m)),
        delivered_at: now.toISOString(),
      }));
      await sql`INSERT INTO local_deliveries ${sql(rows as never)}`;
      return results(batch, ids);
    },
    lookup: async (batch) => {
      const out = new Map<string, Found | null>(batch.map((m) => [m.ledgerId, null]));
      if (batch.length === 0) return out;
      const ws = batch[0]!.workspaceId;
      const found = await sql<{ id: string; message_id: string }[]>`
        SELECT id, message_id FROM local_deliveries WHERE workspace_id = ${ws} AND message_id = ANY(${batch.map((m) => m.ledgerId)}::text[])`;
      for (const f of found) out.set(f.message_id, { providerMessageId: f.id, delivered: true });
      return out;
    },
  };
}
