/**
 * The delivery channel over the platform's notification_service (contracts section 1).
 *
 * - Single messages: `POST /api/v1/notifications/send`, our ledger id in `metadata.ledger_id`.
 * - Ten or more messages of one channel (webhooks excepted: each needs its own URL in metadata):
 *   `POST /api/v1/notifications/batch` over a pass-through template (`{{subject}}`, `{{content}}`,
 *   `{{html}}`) we create once per channel, each recipient's rendered copy and ledger id in its
 *   `variables`. A batch that reports failures is resolved recipient by recipient through
 *   `GET /api/v1/notifications?user_id&type`; a batch rejected as a whole (4xx) is retried as
 *   single sends, so one bad address fails only itself.
 * - `lookup` finds what the service already has for a ledger id the same way, so a send whose
 *   outcome was lost (timeout, 5xx, crash) is never repeated blindly.
 *
 * The service has no idempotency key of its own; sends are POSTs and are never retried here (the
 * dispatcher decides, after a lookup). Failures map to: 5xx / timeout -> retryable and uncertain;
 * 429 -> retryable; other 4xx -> permanent; a notification the service marks `failed` (e.g. "SMS
 * provider not configured") -> permanent.
 */
import { z } from 'zod';
import type { Channel } from '../../domain/campaign.js';
import type { DeliveryChannel, DeliveryResult, Found, MessageRef, OutboundMessage } from '../../domain/delivery/channel.js';
import { PlatformError, type PlatformClient } from './client.js';

const BATCH_MIN = 10;
const CONCURRENCY = 8;
const TEMPLATE_NAME = 'agentic-campaign pass-through';

const notification = z.object({
  notification_id: z.string(),
  status: z.string(),
  error_message: z.string().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  variables: z.record(z.string(), z.unknown()).nullish(),
});
type Notification = z.output<typeof notification>;

const sendResponse = z.object({ notification, message: z.string().nullish(), success: z.boolean().nullish() });
const batchResponse = z.object({
  batch: z.object({ batch_id: z.string(), total_recipients: z.number().nullish(), failed_count: z.number().nullish() }),
});
const template = z.object({ template_id: z.string(), name: z.string(), status: z.string().nullish() });
const templateResponse = z.object({ template });

export function httpNotificationChannel(client: PlatformClient): DeliveryChannel {
  const templates = new Map<Channel, Promise<string>>();

  const templateFor = (channel: Channel): Promise<string> => {
    let t = templates.get(channel);
    if (!t) {
      t = ensureTemplate(client, channel);
      t.catch(() => templates.delete(channel));
      templates.set(channel, t);
    }
    return t;
  };

  async function sendOne(m: OutboundMessage): Promise<DeliveryResult> {
    try {
      const r = await client.post('/api/v1/notifications/send', sendBody(m), sendResponse);
      return fromNotification(m.ledgerId, r.notification, r.success === false ? r.message : undefined);
    } catch (err) {
      return fromError(m.ledgerId, err);
    }
  }

  async function sendBatch(channel: Channel, group: OutboundMessage[]): Promise<DeliveryResult[]> {
    let batchId: string;
    let failedCount: number;
    try {
      const templateId = await templateFor(channel);
      const r = await client.post(
        '/api/v1/notifications/batch',
        {
          name: `agentic-campaign ${group[0]!.campaignId}`,
          template_id: templateId,
          type: channel,
          recipients: group.map((m) => ({
            user_id: m.userId,
            ...(m.to.email ? { email: m.to.email } : {}),
            ...(m.to.phone ? { phone: m.to.phone } : {}),
            variables: { subject: m.subject ?? '', content: m.text, html: m.html ?? '', ledger_id: m.ledgerId },
          })),
          priority: 'normal',
          metadata: { source: 'agentic-campaign', campaign_id: group[0]!.campaignId },
        },
        batchResponse,
      );
      batchId = r.batch.batch_id;
      failedCount = r.batch.failed_count ?? 0;
    } catch (err) {
      // Rejected as a whole (a payload problem, perhaps one bad address): send one by one instead.
      if (err instanceof PlatformError && err.code === 'rejected') return mapLimit(group, CONCURRENCY, sendOne);
      // 404: our cached template is gone (deleted behind our back); forget it, send these one by one.
      if (err instanceof PlatformError && err.code === 'not_found') {
        templates.delete(channel);
        return mapLimit(group, CONCURRENCY, sendOne);
      }
      return group.map((m) => fromError(m.ledgerId, err));
    }
    if (failedCount === 0) {
      return group.map((m) => ({ ledgerId: m.ledgerId, ok: true, provider: PROVIDER, providerMessageId: `${batchId}:${m.userId}`, delivered: false }));
    }
    // Some recipients failed: find out which, one by one.
    return mapLimit(group, CONCURRENCY, async (m): Promise<DeliveryResult> => {
      try {
        const n = await findNotification(client, m);
        if (!n) return { ledgerId: m.ledgerId, ok: false, retryable: true, uncertain: true, error: `notification_service batch ${batchId}: no notification found for this recipient` };
        return fromNotification(m.ledgerId, n);
      } catch (err) {
        return fromError(m.ledgerId, err);
      }
    });
  }

  return {
    provider: PROVIDER,
    async deliver(batch) {
      const byChannel = new Map<Channel, OutboundMessage[]>();
      for (const m of batch) {
        const g = byChannel.get(m.channel);
        if (g) g.push(m);
        else byChannel.set(m.channel, [m]);
      }
      const out: DeliveryResult[] = [];
      for (const [channel, group] of byChannel) {
        if (channel !== 'webhook' && group.length >= BATCH_MIN) out.push(...(await sendBatch(channel, group)));
        else out.push(...(await mapLimit(group, CONCURRENCY, sendOne)));
      }
      return out;
    },
    async lookup(refs) {
      const found = await mapLimit(refs, CONCURRENCY, async (ref): Promise<[string, Found | null]> => {
        const n = await findNotification(client, ref);
        if (!n || n.status === 'failed' || n.status === 'cancelled') return [ref.ledgerId, null];
        return [ref.ledgerId, { providerMessageId: n.notification_id, delivered: n.status === 'delivered' }];
      });
      return new Map(found);
    },
  };
}

const PROVIDER = 'notification_service';

function sendBody(m: OutboundMessage) {
  return {
    type: m.channel,
    recipient_id: m.userId,
    ...(m.to.email ? { recipient_email: m.to.email } : {}),
    ...(m.to.phone ? { recipient_phone: m.to.phone } : {}),
    ...(m.subject ? { subject: m.subject } : {}),
    content: m.text,
    ...(m.html ? { html_content: m.html } : {}),
    variables: {},
    priority: 'normal',
    metadata: {
      ...m.metadata,
      ledger_id: m.ledgerId,
      idempotency_key: m.idempotencyKey,
      ...(m.channel === 'webhook' && m.to.webhookUrl ? { webhook_url: m.to.webhookUrl } : {}),
      // The service's send API has no headers field: the List-Unsubscribe pair travels as metadata.
      ...(m.headers?.['List-Unsubscribe'] ? { list_unsubscribe: m.headers['List-Unsubscribe'], list_unsubscribe_post: m.headers['List-Unsubscribe-Post'] ?? '' } : {}),
    },
    tags: ['agentic-campaign', `campaign:${m.campaignId}`],
  };
}

/** The notification the service holds for a ledger id: single sends carry it in metadata, batch sends in variables. */
async function findNotification(client: PlatformClient, ref: MessageRef): Promise<Notification | null> {
  const list = await client.get('/api/v1/notifications', { user_id: ref.userId, type: ref.channel, limit: 1000 }, z.array(notification));
  const mine = list.filter((n) => n.metadata?.['ledger_id'] === ref.ledgerId || n.variables?.['ledger_id'] === ref.ledgerId);
  // Prefer a copy that went out over a failed one (a failed single send may have been retried).
  return mine.find((n) => n.status !== 'failed' && n.status !== 'cancelled') ?? mine[0] ?? null;
}

function fromNotification(ledgerId: string, n: Notification, refusal?: string | null): DeliveryResult {
  if (n.status === 'failed' || n.status === 'cancelled' || n.status === 'bounced' || refusal !== undefined) {
    const why = n.error_message ?? refusal ?? n.status;
    return { ledgerId, ok: false, retryable: false, error: `notification_service: ${String(why).slice(0, 200)}` };
  }
  return { ledgerId, ok: true, provider: PROVIDER, providerMessageId: n.notification_id, delivered: n.status === 'delivered' };
}

function fromError(ledgerId: string, err: unknown): DeliveryResult {
  if (err instanceof PlatformError) {
    const transient = err.code === 'unavailable' || err.code === 'bad_response';
    // 429 was refused before any work; a timeout, 5xx or unreadable answer may have been sent.
    return { ledgerId, ok: false, retryable: transient, uncertain: transient && err.status !== 429, error: err.message };
  }
  return { ledgerId, ok: false, retryable: true, uncertain: true, error: 'notification_service: unexpected client error' };
}

async function ensureTemplate(client: PlatformClient, channel: Channel): Promise<string> {
  const existing = await client.get('/api/v1/notifications/templates', { type: channel, status: 'active', limit: 100 }, z.array(template));
  const found = existing.find((t) => t.name === TEMPLATE_NAME);
  if (found) return found.template_id;
  const created = await client.post(
    '/api/v1/notifications/templates',
    {
      name: TEMPLATE_NAME,
      description: 'Managed by agentic-campaign: each recipient receives the copy rendered for them',
      type: channel,
      subject: '{{subject}}',
      content: '{{content}}',
      html_content: '{{html}}',
      variables: ['subject', 'content', 'html'],
      metadata: { managed_by: 'agentic-campaign' },
    },
    templateResponse,
  );
  return created.template.template_id;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
