/**
 * A fake notification_service on 127.0.0.1 that follows ../shared/platform-contracts.md section 1:
 * `POST /api/v1/notifications/send`, `POST /api/v1/notifications/batch`, `GET .../batch/{id}`,
 * `GET /api/v1/notifications?user_id&type&status&priority&limit&offset`, `GET .../{id}`, and the
 * template routes (create, list, get, update, delete, render). Same shapes and ids (`ntf_<type>_<epoch float>`,
 * `tpl_<type>_<epoch float>`, `batch_<epoch float>`), `{{var}}` rendering with the service's regex
 * (an unknown variable stays as it is), FastAPI `{"detail": ...}` errors (422 with a pydantic-style
 * array for a bad body or query parameter), lists newest first. No auth, as in the contract.
 *
 * Sends are processed before the answer: email -> `sent`, in_app / push / webhook -> `delivered`,
 * sms -> `failed` ("SMS provider not configured"), a user id in `failRecipients` -> `failed`.
 * A webhook without `metadata.webhook_url` is refused with 422 on a single send; inside a batch it
 * becomes a failed notification. A batch recipient whose email is invalid gets no notification at
 * all and counts as failed (the service fails to build its request).
 *
 * Template updates behave like the service's: PUT changes only the fields given (not `version`),
 * answers `{template, message}`, and answers a missing id with 500 "Failed to update template"
 * (not 404); DELETE answers `{message}` or 404; render fills `{{name}}` in subject, content and html.
 *
 * Every notification, template and batch stays in memory for tests to inspect (or edit). Every
 * request is logged. Faults can be injected, optionally only for some requests (method, path):
 * a status, a slow answer, a malformed body, or "accepted but the answer was lost" (the request
 * is fully processed, then answered with a 5xx or never answered).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body?: unknown;
}

export type NotificationFault =
  /** Answer with this status and `{"detail": detail}` (plus `extra` fields) without doing anything. */
  | { status: number; detail?: unknown; extra?: Record<string, unknown> }
  /** Wait this long, then process and answer normally (the work happens even if the client gave up). */
  | { delayMs: number }
  /** Answer 200 with this raw text without doing anything. */
  | { body: string }
  /** Process the request fully (notifications are created), then answer this status (default 500). */
  | { accepted: 'error'; status?: number; detail?: unknown }
  /** Process the request fully, then never answer (until the fake is closed). */
  | { accepted: 'hang' };

/** Which requests a fault applies to; every field given must match. */
export interface FaultMatch {
  method?: string;
  /** The exact path, or a pattern tested against it. */
  path?: string | RegExp;
}

export const NOTIFICATION_TYPES = ['email', 'sms', 'in_app', 'push', 'webhook'] as const;
export const NOTIFICATION_STATUSES = ['pending', 'sending', 'sent', 'delivered', 'failed', 'bounced', 'cancelled'] as const;
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const TEMPLATE_STATUSES = ['draft', 'active', 'inactive', 'archived'] as const;

type NotificationType = (typeof NOTIFICATION_TYPES)[number];
type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export interface FakeNotification {
  notification_id: string;
  type: NotificationType;
  priority: string;
  recipient_type: 'user' | 'email' | 'phone' | 'group' | 'role';
  recipient_id: string | null;
  recipient_email: string | null;
  recipient_phone: string | null;
  template_id: string | null;
  subject: string | null;
  content: string;
  html_content: string | null;
  variables: Record<string, unknown>;
  scheduled_at: string | null;
  expires_at: string | null;
  retry_count: number;
  max_retries: number;
  status: NotificationStatus;
  error_message: string | null;
  provider: string | null;
  provider_message_id: string | null;
  metadata: Record<string, unknown>;
  tags: string[];
  created_at: string;
  sent_at: string | null;
  delivered_at: string | null;
  read_at: string | null;
  failed_at: string | null;
}

export interface FakeTemplate {
  template_id: string;
  name: string;
  description: string | null;
  type: NotificationType;
  subject: string | null;
  content: string;
  html_content: string | null;
  variables: string[];
  metadata: Record<string, unknown>;
  status: (typeof TEMPLATE_STATUSES)[number];
  version: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface FakeBatch {
  batch_id: string;
  name: string | null;
  template_id: string;
  type: NotificationType;
  priority: string;
  recipients: Record<string, unknown>[];
  total_recipients: number;
  sent_count: number;
  delivered_count: number;
  failed_count: number;
  scheduled_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  metadata: Record<string, unknown>;
  created_by: string | null;
  created_at: string;
}

export interface FakeNotificationService {
  readonly name: 'notification_service';
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: FakeRequest[];
  /** Every notification created, oldest first (lists answer newest first). */
  readonly notifications: FakeNotification[];
  readonly templates: FakeTemplate[];
  readonly batches: FakeBatch[];
  /** Recipient user ids whose notifications the provider marks `failed` (single sends and batches). */
  readonly failRecipients: Set<string>;
  /** The error_message of a notification failed through `failRecipients`. */
  failMessage: string;
  /** Applies `fault` to the next `times` requests that match (default: all of them until reset). */
  inject(fault: NotificationFault, times?: number, match?: FaultMatch): void;
  /** The notifications carrying this ledger id (single sends in metadata, batch sends in variables). */
  byLedgerId(ledgerId: string): FakeNotification[];
  /** Requests to this method and path. */
  requestsTo(method: string, path: string): FakeRequest[];
  /** Clears faults and the request log (the stored data stays). */
  reset(): void;
  close(): Promise<void>;
}

type Reply = { status: number; body: unknown };

const detail = (status: number, message: unknown): Reply => ({ status, body: { detail: message } });
const notFound: Reply = detail(404, 'Not Found');
const methodNotAllowed: Reply = detail(405, 'Method Not Allowed');

interface Issue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
}

const issue = (where: 'body' | 'query', field: (string | number)[], type: string, msg: string, input: unknown): Issue => ({
  type,
  loc: [where, ...field],
  msg,
  input: input ?? null,
});

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const VARIABLE = /\{\{(\w+)\}\}/g;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isOneOf = <T extends string>(values: readonly T[], v: unknown): v is T => typeof v === 'string' && (values as readonly string[]).includes(v);

/** Python's `str()` of a JSON value, as the service's template renderer uses it. */
function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

/** `_replace_template_variables`: no variables leaves the text alone; an unknown name stays `{{name}}`. */
export function renderTemplate(text: string, variables: Record<string, unknown>): string {
  if (Object.keys(variables).length === 0) return text;
  return text.replace(VARIABLE, (whole, name: string) => (name in variables ? pyStr(variables[name]) : whole));
}

/** Validators for the request bodies; each pushes pydantic-style issues. */
function optionalString(body: Record<string, unknown>, key: string, issues: Issue[]): void {
  const v = body[key];
  if (v !== undefined && v !== null && typeof v !== 'string') issues.push(issue('body', [key], 'string_type', 'Input should be a valid string', v));
}

function optionalEnum(body: Record<string, unknown>, key: string, values: readonly string[], issues: Issue[]): void {
  const v = body[key];
  if (v !== undefined && !isOneOf(values, v)) {
    issues.push(issue('body', [key], 'enum', `Input should be ${values.map((x) => `'${x}'`).join(', ')}`, v));
  }
}

function requiredEnum(body: Record<string, unknown>, key: string, values: readonly string[], issues: Issue[]): void {
  if (body[key] === undefined) issues.push(issue('body', [key], 'missing', 'Field required', body));
  else optionalEnum(body, key, values, issues);
}

function optionalDict(body: Record<string, unknown>, key: string, issues: Issue[]): void {
  const v = body[key];
  if (v !== undefined && !isObject(v)) issues.push(issue('body', [key], 'dict_type', 'Input should be a valid dictionary', v));
}

function optionalStringList(body: Record<string, unknown>, key: string, issues: Issue[]): void {
  const v = body[key];
  if (v === undefined) return;
  if (!Array.isArray(v)) return void issues.push(issue('body', [key], 'list_type', 'Input should be a valid list', v));
  v.forEach((x, i) => {
    if (typeof x !== 'string') issues.push(issue('body', [key, i], 'string_type', 'Input should be a valid string', x));
  });
}

function optionalEmail(body: Record<string, unknown>, key: string, issues: Issue[]): void {
  const v = body[key];
  if (v === undefined || v === null) return;
  if (typeof v !== 'string' || !EMAIL.test(v)) {
    issues.push(issue('body', [key], 'value_error', 'value is not a valid email address: An email address must have an @-sign.', v));
  }
}

function intParam(q: Record<string, string>, name: string, def: number, min: number, max: number, issues: Issue[]): number {
  if (q[name] === undefined) return def;
  const n = Number(q[name]);
  if (!Number.isInteger(n)) {
    issues.push(issue('query', [name], 'int_parsing', 'Input should be a valid integer, unable to parse string as an integer', q[name]));
    return def;
  }
  if (n < min) issues.push(issue('query', [name], 'greater_than_equal', `Input should be greater than or equal to ${min}`, q[name]));
  if (n > max) issues.push(issue('query', [name], 'less_than_equal', `Input should be less than or equal to ${max}`, q[name]));
  return n;
}

function enumParam<T extends string>(q: Record<string, string>, name: string, values: readonly T[], issues: Issue[]): T | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (!isOneOf(values, v)) {
    issues.push(issue('query', [name], 'enum', `Input should be ${values.map((x) => `'${x}'`).join(', ')}`, v));
    return undefined;
  }
  return v;
}

interface SendRequest {
  type: NotificationType;
  recipient_id: string | null;
  recipient_email: string | null;
  recipient_phone: string | null;
  template_id: string | null;
  subject: string | null;
  content: string | null;
  html_content: string | null;
  variables: Record<string, unknown>;
  priority: string;
  scheduled_at: string | null;
  metadata: Record<string, unknown>;
  tags: string[];
}

/** Validates a SendNotificationRequest; returns the issues, or the request with its defaults. */
function parseSendRequest(body: unknown): SendRequest | Issue[] {
  if (!isObject(body)) return [issue('body', [], 'model_attributes_type', 'Input should be a valid dictionary or object to extract fields from', body)];
  const issues: Issue[] = [];
  requiredEnum(body, 'type', NOTIFICATION_TYPES, issues);
  for (const k of ['recipient_id', 'recipient_phone', 'template_id', 'subject', 'content', 'html_content', 'scheduled_at']) optionalString(body, k, issues);
  optionalEmail(body, 'recipient_email', issues);
  optionalDict(body, 'variables', issues);
  optionalEnum(body, 'priority', PRIORITIES, issues);
  optionalDict(body, 'metadata', issues);
  optionalStringList(body, 'tags', issues);
  if (issues.length) return issues;
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : null);
  return {
    type: body.type as NotificationType,
    recipient_id: str('recipient_id'),
    recipient_email: str('recipient_email'),
    recipient_phone: str('recipient_phone'),
    template_id: str('template_id'),
    subject: str('subject'),
    content: str('content'),
    html_content: str('html_content'),
    variables: (body.variables as Record<string, unknown> | undefined) ?? {},
    priority: (body.priority as string | undefined) ?? 'normal',
    scheduled_at: str('scheduled_at'),
    metadata: (body.metadata as Record<string, unknown> | undefined) ?? {},
    tags: (body.tags as string[] | undefined) ?? [],
  };
}

export async function startFakeNotificationService(): Promise<FakeNotificationService> {
  const requests: FakeRequest[] = [];
  const notifications: FakeNotification[] = [];
  const templates: FakeTemplate[] = [];
  const batches: FakeBatch[] = [];
  /** The user_id column the service files each notification under (recipient_id, else email:/phone:). */
  const owners = new WeakMap<FakeNotification, string>();
  let faults: { fault: NotificationFault; left: number; match: FaultMatch | undefined }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const hanging = new Set<ServerResponse>();

  let lastEpoch = 0;
  /** `datetime.utcnow().timestamp()`, kept strictly increasing so ids stay unique within a fast loop. */
  const epoch = (): string => {
    lastEpoch = Math.max(Date.now() / 1000, lastEpoch + 0.000001);
    return lastEpoch.toFixed(6);
  };
  const now = () => new Date().toISOString().replace('Z', '+00:00');

  const service: FakeNotificationService = {
    name: 'notification_service',
    url: '',
    requests,
    notifications,
    templates,
    batches,
    failRecipients: new Set<string>(),
    failMessage: 'Email API error: 422 - recipient rejected by the provider',
    inject(fault, times = Number.POSITIVE_INFINITY, match) {
      faults.push({ fault, left: times, match });
    },
    byLedgerId(ledgerId) {
      return notifications.filter((n) => n.metadata['ledger_id'] === ledgerId || n.variables['ledger_id'] === ledgerId);
    },
    requestsTo(method, path) {
      return requests.filter((r) => r.method === method && r.path === path);
    },
    reset() {
      faults = [];
      requests.length = 0;
    },
    close: async () => undefined,
  };

  /** Delivers a stored notification the way `_process_notification` does, synchronously. */
  function process(n: FakeNotification): void {
    const fail = (why: string) => {
      n.status = 'failed';
      n.error_message = why;
      n.failed_at = now();
    };
    const ok = (status: 'sent' | 'delivered', provider: string, providerMessageId: string) => {
      n.status = status;
      n.provider = provider;
      n.provider_message_id = providerMessageId;
      n.sent_at = now();
      if (status === 'delivered') n.delivered_at = n.sent_at;
    };
    if (n.recipient_id !== null && service.failRecipients.has(n.recipient_id)) return fail(service.failMessage);
    switch (n.type) {
      case 'email':
        if (!n.recipient_email) return fail('Recipient email not provided');
        return ok('sent', 'resend', `re_${n.notification_id.slice(-6)}`);
      case 'sms':
        return fail('SMS provider not configured');
      case 'in_app':
        if (!n.recipient_id) return fail('Recipient user ID not provided for in-app notification');
        return ok('delivered', 'in_app', n.notification_id);
      case 'push':
        if (!n.recipient_id) return fail('Recipient user ID not provided for push notification');
        return ok('delivered', 'push', 'push_1_devices');
      case 'webhook':
        if (typeof n.metadata['webhook_url'] !== 'string' || !n.metadata['webhook_url']) return fail('Webhook URL not provided in metadata');
        return ok('delivered', 'webhook', 'webhook_200');
    }
  }

  /** `send_notification`: renders the template if any, stores, processes unless scheduled for later. */
  function createNotification(req: SendRequest): FakeNotification {
    let content = req.content ?? '';
    let html = req.html_content;
    let subject = req.subject;
    const template = req.template_id ? templates.find((t) => t.template_id === req.template_id) : undefined;
    if (template) {
      content = renderTemplate(template.content, req.variables);
      html = template.html_content ? renderTemplate(template.html_content, req.variables) : null;
      if (!subject && template.subject) subject = renderTemplate(template.subject, req.variables);
    }
    const n: FakeNotification = {
      notification_id: `ntf_${req.type}_${epoch()}`,
      type: req.type,
      priority: req.priority,
      recipient_type: req.recipient_email ? 'email' : 'user',
      recipient_id: req.recipient_id,
      recipient_email: req.recipient_email,
      recipient_phone: req.recipient_phone,
      template_id: req.template_id,
      subject,
      content,
      html_content: html,
      variables: req.variables,
      scheduled_at: req.scheduled_at,
      expires_at: null,
      retry_count: 0,
      max_retries: 3,
      status: 'pending',
      error_message: null,
      provider: null,
      provider_message_id: null,
      metadata: req.metadata,
      tags: req.tags,
      created_at: now(),
      sent_at: null,
      delivered_at: null,
      read_at: null,
      failed_at: null,
    };
    notifications.push(n);
    owners.set(n, req.recipient_id ?? (req.recipient_email ? `email:${req.recipient_email}` : req.recipient_phone ? `phone:${req.recipient_phone}` : 'system'));
    if (!req.scheduled_at || Date.parse(req.scheduled_at) <= Date.now()) process(n);
    return n;
  }

  function send(body: unknown): Reply {
    const req = parseSendRequest(body);
    if (Array.isArray(req)) return detail(422, req);
    if (req.type === 'webhook' && (typeof req.metadata['webhook_url'] !== 'string' || !req.metadata['webhook_url'])) {
      return detail(422, [issue('body', ['metadata', 'webhook_url'], 'missing', 'Field required', req.metadata)]);
    }
    const n = createNotification(req);
    return { status: 200, body: { notification: n, message: 'Notification created and queued for sending', success: true } };
  }

  function sendBatch(body: unknown): Reply {
    if (!isObject(body)) return detail(422, [issue('body', [], 'model_attributes_type', 'Input should be a valid dictionary or object to extract fields from', body)]);
    const issues: Issue[] = [];
    optionalString(body, 'name', issues);
    if (typeof body.template_id !== 'string') {
      issues.push(body.template_id === undefined ? issue('body', ['template_id'], 'missing', 'Field required', body) : issue('body', ['template_id'], 'string_type', 'Input should be a valid string', body.template_id));
    }
    requiredEnum(body, 'type', NOTIFICATION_TYPES, issues);
    if (!Array.isArray(body.recipients)) {
      issues.push(body.recipients === undefined ? issue('body', ['recipients'], 'missing', 'Field required', body) : issue('body', ['recipients'], 'list_type', 'Input should be a valid list', body.recipients));
    } else {
      body.recipients.forEach((r, i) => {
        if (!isObject(r)) issues.push(issue('body', ['recipients', i], 'dict_type', 'Input should be a valid dictionary', r));
      });
    }
    optionalEnum(body, 'priority', PRIORITIES, issues);
    optionalString(body, 'scheduled_at', issues);
    optionalDict(body, 'metadata', issues);
    if (issues.length) return detail(422, issues);

    const templateId = body.template_id as string;
    const template = templates.find((t) => t.template_id === templateId);
    if (!template) return detail(404, 'Template not found');

    const recipients = body.recipients as Record<string, unknown>[];
    const metadata = (body.metadata as Record<string, unknown> | undefined) ?? {};
    const batch: FakeBatch = {
      batch_id: `batch_${epoch()}`,
      name: typeof body.name === 'string' ? body.name : null,
      template_id: templateId,
      type: body.type as NotificationType,
      priority: (body.priority as string | undefined) ?? 'normal',
      recipients,
      total_recipients: recipients.length,
      sent_count: 0,
      delivered_count: 0,
      failed_count: 0,
      scheduled_at: typeof body.scheduled_at === 'string' ? body.scheduled_at : null,
      started_at: now(),
      completed_at: null,
      metadata,
      created_by: null,
      created_at: now(),
    };
    batches.push(batch);
    // `_process_batch`: one SendNotificationRequest per recipient; only these four keys are read.
    for (const r of recipients) {
      const req = parseSendRequest({
        type: batch.type,
        priority: batch.priority,
        template_id: templateId,
        recipient_id: r['user_id'] ?? null,
        recipient_email: r['email'] ?? null,
        recipient_phone: r['phone'] ?? null,
        variables: r['variables'] ?? {},
        metadata: { batch_id: batch.batch_id, ...metadata },
      });
      if (Array.isArray(req)) {
        batch.failed_count++;
        continue;
      }
      const n = createNotification(req);
      batch.sent_count++;
      if (n.status === 'sent' || n.status === 'delivered') batch.delivered_count++;
      else if (n.status === 'failed') batch.failed_count++;
    }
    batch.completed_at = now();
    return { status: 200, body: { batch, message: `Batch created with ${recipients.length} recipients` } };
  }

  function createTemplate(body: unknown): Reply {
    if (!isObject(body)) return detail(422, [issue('body', [], 'model_attributes_type', 'Input should be a valid dictionary or object to extract fields from', body)]);
    const issues: Issue[] = [];
    for (const k of ['name', 'content']) {
      if (body[k] === undefined) issues.push(issue('body', [k], 'missing', 'Field required', body));
      else if (typeof body[k] !== 'string') issues.push(issue('body', [k], 'string_type', 'Input should be a valid string', body[k]));
    }
    requiredEnum(body, 'type', NOTIFICATION_TYPES, issues);
    for (const k of ['description', 'subject', 'html_content']) optionalString(body, k, issues);
    optionalStringList(body, 'variables', issues);
    optionalDict(body, 'metadata', issues);
    if (issues.length) return detail(422, issues);
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : null);
    const at = now();
    const t: FakeTemplate = {
      template_id: `tpl_${body.type as string}_${epoch()}`,
      name: body.name as string,
      description: str('description'),
      type: body.type as NotificationType,
      subject: str('subject'),
      content: body.content as string,
      html_content: str('html_content'),
      variables: (body.variables as string[] | undefined) ?? [],
      metadata: (body.metadata as Record<string, unknown> | undefined) ?? {},
      status: 'active',
      version: 1,
      created_by: null,
      created_at: at,
      updated_at: at,
    };
    templates.push(t);
    return { status: 200, body: { template: t, message: 'Template created successfully' } };
  }

  /** `update_template`: only the fields given change; a missing id is a 500, as in the service. */
  function updateTemplate(id: string, body: unknown): Reply {
    if (!isObject(body)) return detail(422, [issue('body', [], 'model_attributes_type', 'Input should be a valid dictionary or object to extract fields from', body)]);
    const issues: Issue[] = [];
    for (const k of ['name', 'description', 'subject', 'content', 'html_content']) optionalString(body, k, issues);
    optionalStringList(body, 'variables', issues);
    optionalEnum(body, 'status', TEMPLATE_STATUSES, issues);
    optionalDict(body, 'metadata', issues);
    if (issues.length) return detail(422, issues);
    const t = templates.find((x) => x.template_id === id);
    if (!t) return detail(500, 'Failed to update template');
    for (const k of ['name', 'description', 'subject', 'content', 'html_content', 'variables', 'status', 'metadata'] as const) {
      if (body[k] !== undefined && body[k] !== null) (t as unknown as Record<string, unknown>)[k] = body[k];
    }
    t.updated_at = now();
    return { status: 200, body: { template: t, message: 'Template updated successfully' } };
  }

  /** `POST /templates/{id}/render`: the template's texts with `{{name}}` filled from `variables`. */
  function renderStored(id: string, body: unknown): Reply {
    if (!isObject(body)) return detail(422, [issue('body', [], 'model_attributes_type', 'Input should be a valid dictionary or object to extract fields from', body)]);
    const issues: Issue[] = [];
    optionalDict(body, 'variables', issues);
    if (issues.length) return detail(422, issues);
    const t = templates.find((x) => x.template_id === id);
    if (!t) return detail(404, 'Template not found');
    const variables = (body.variables as Record<string, unknown> | undefined) ?? {};
    return {
      status: 200,
      body: {
        template_id: id,
        subject: t.subject ? renderTemplate(t.subject, variables) : null,
        content: renderTemplate(t.content, variables),
        html_content: t.html_content ? renderTemplate(t.html_content, variables) : null,
      },
    };
  }

  function listTemplates(q: Record<string, string>): Reply {
    const issues: Issue[] = [];
    const type = enumParam(q, 'type', NOTIFICATION_TYPES, issues);
    const status = enumParam(q, 'status', TEMPLATE_STATUSES, issues);
    const limit = intParam(q, 'limit', 100, 1, 1000, issues);
    const offset = intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER, issues);
    if (issues.length) return detail(422, issues);
    const rows = templates
      .filter((t) => (!type || t.type === type) && (!status || t.status === status))
      .reverse()
      .slice(offset, offset + limit);
    return { status: 200, body: rows };
  }

  function listNotifications(q: Record<string, string>): Reply {
    const issues: Issue[] = [];
    const type = enumParam(q, 'type', NOTIFICATION_TYPES, issues);
    const status = enumParam(q, 'status', NOTIFICATION_STATUSES, issues);
    const priority = enumParam(q, 'priority', PRIORITIES, issues);
    const limit = intParam(q, 'limit', 100, 1, 1000, issues);
    const offset = intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER, issues);
    if (issues.length) return detail(422, issues);
    const rows = notifications
      .filter((n) => (!q.user_id || owners.get(n) === q.user_id) && (!type || n.type === type) && (!status || n.status === status) && (!priority || n.priority === priority))
      .reverse()
      .slice(offset, offset + limit);
    return { status: 200, body: rows };
  }

  const BASE = '/api/v1/notifications';
  function handle(req: FakeRequest): Reply {
    const { method, path } = req;
    if (path === `${BASE}/health` || path === '/health') return { status: 200, body: { status: 'healthy', service: 'notification_service' } };
    if (path === `${BASE}/send`) return method === 'POST' ? send(req.body) : methodNotAllowed;
    if (path === `${BASE}/batch`) return method === 'POST' ? sendBatch(req.body) : methodNotAllowed;
    if (path === `${BASE}/templates`) {
      if (method === 'POST') return createTemplate(req.body);
      if (method === 'GET') return listTemplates(req.query);
      return methodNotAllowed;
    }
    // Fixed paths are matched before `/{notification_id}`, as in main.py.
    const render = /^\/api\/v1\/notifications\/templates\/([^/]+)\/render$/.exec(path);
    if (render) return method === 'POST' ? renderStored(decodeURIComponent(render[1]!), req.body) : methodNotAllowed;
    const tpl = /^\/api\/v1\/notifications\/templates\/([^/]+)$/.exec(path);
    if (tpl) {
      const id = decodeURIComponent(tpl[1]!);
      if (method === 'PUT') return updateTemplate(id, req.body);
      if (method === 'DELETE') {
        const i = templates.findIndex((x) => x.template_id === id);
        if (i < 0) return detail(404, 'Template not found');
        templates.splice(i, 1);
        return { status: 200, body: { message: 'Template deleted successfully' } };
      }
      if (method !== 'GET') return methodNotAllowed;
      const t = templates.find((x) => x.template_id === id);
      return t ? { status: 200, body: t } : detail(404, 'Template not found');
    }
    const batch = /^\/api\/v1\/notifications\/batch\/([^/]+)$/.exec(path);
    if (batch) {
      if (method !== 'GET') return methodNotAllowed;
      const b = batches.find((x) => x.batch_id === decodeURIComponent(batch[1]!));
      return b ? { status: 200, body: b } : detail(404, 'Batch not found');
    }
    if (path === BASE) return method === 'GET' ? listNotifications(req.query) : methodNotAllowed;
    const one = /^\/api\/v1\/notifications\/([^/]+)$/.exec(path);
    if (one) {
      if (method !== 'GET') return methodNotAllowed;
      const n = notifications.find((x) => x.notification_id === decodeURIComponent(one[1]!));
      return n ? { status: 200, body: n } : detail(404, 'Notification not found');
    }
    return notFound;
  }

  const matches = (m: FaultMatch | undefined, req: FakeRequest) =>
    !m || ((m.method === undefined || m.method === req.method) && (m.path === undefined || (typeof m.path === 'string' ? m.path === req.path : m.path.test(req.path))));

  const reply = (res: ServerResponse, status: number, text: string) => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'content-type': 'application/json' }).end(text);
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      let badJson = false;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
        badJson = true;
      }
      const logged: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body };
      requests.push(logged);

      const i = faults.findIndex((f) => matches(f.match, logged));
      const fault = i >= 0 ? faults[i]!.fault : undefined;
      if (i >= 0 && --faults[i]!.left <= 0) faults.splice(i, 1);

      const run = (): Reply =>
        badJson ? detail(422, [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: 'Expecting value' } }]) : handle(logged);
      const answer = () => {
        const r = run();
        reply(res, r.status, JSON.stringify(r.body));
      };
      if (!fault) return answer();
      if ('accepted' in fault) {
        run();
        if (fault.accepted === 'hang') {
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        }
        return reply(res, fault.status ?? 500, JSON.stringify({ detail: fault.detail ?? 'Internal Server Error' }));
      }
      if ('status' in fault) return reply(res, fault.status, JSON.stringify({ detail: fault.detail ?? 'Internal Server Error', ...fault.extra }));
      if ('body' in fault) return reply(res, 200, fault.body);
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, fault.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return Object.assign(service, {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
