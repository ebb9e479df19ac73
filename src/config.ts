/**
 * All configuration, from environment variables, parsed once at start-up. A bad value fails fast
 * with a message naming the variable (never echoing a secret's value).
 */
import { z } from 'zod';
import { CHANNELS, type Channel } from './domain/campaign.js';
import { SCOPES, type Scope } from './domain/ports.js';

const SECRET_VARS = new Set(['ANTHROPIC_API_KEY', 'MCP_HTTP_TOKENS', 'INTERNAL_SERVICE_SECRET', 'TRACKING_SECRETS']);

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = z.url({ error: 'expected an http(s) URL, e.g. http://127.0.0.1:8206' }).optional();
const port = (def: number) => z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).default(def);

const channelList = z
  .string()
  .transform((v) => v.split(',').map((c) => c.trim()).filter(Boolean))
  .refine((list) => list.every((c) => (CHANNELS as readonly string[]).includes(c)), { error: `expected a comma-separated list of ${CHANNELS.join(', ')}` })
  .transform((list) => list as Channel[]);

/** `email=1,sms=5`: a number per channel; channels left out keep their default. */
const channelNumbers = (what: string) =>
  z.string().transform((v, ctx) => {
    const out: Partial<Record<Channel, number>> = {};
    for (const part of v.split(',').map((p) => p.trim()).filter(Boolean)) {
      const [name, raw] = part.split('=').map((x) => x.trim());
      const n = Number(raw);
      if (!name || !(CHANNELS as readonly string[]).includes(name) || raw === undefined || !Number.isFinite(n) || n < 0) {
        ctx.addIssue({ code: 'custom', message: `expected channel=number pairs (${what}), e.g. email=1,sms=5; channels: ${CHANNELS.join(', ')}` });
        return z.NEVER;
      }
      out[name as Channel] = n;
    }
    return out;
  });

export interface TokenGrant {
  /** Label for logs and the audit log (`token#N`, its position in MCP_HTTP_TOKENS), never the token. */
  label: string;
  token: string;
  scopes: ReadonlySet<Scope>;
  workspaceId: string;
}

const envSchema = z.object({
  DATABASE_URL: z.string().min(1).default('./data/campaign.db'),
  DEFAULT_WORKSPACE: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected 1-64 letters, digits, _ . or -' })
    .default('default'),
  MCP_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  MCP_HTTP_PORT: port(8790),
  MCP_HTTP_TOKENS: z.string().optional(),
  MCP_HTTP_ALLOWED_HOSTS: z.string().optional(),
  MCP_HTTP_ALLOWED_ORIGINS: z.string().optional(),
  READ_ONLY: bool(false),
  SENDS_ENABLED: bool(true),
  SCORES_REFRESH_HOURS: z.coerce.number({ error: 'expected a number of hours (0 turns periodic refresh off)' }).min(0).max(24 * 30).default(24),
  WORKER_ENABLED: bool(true),
  JOB_LEASE_MS: z.coerce.number({ error: 'expected milliseconds' }).int().min(1_000).max(3_600_000).default(30_000),
  SEND_RECOVERY_AFTER_MS: z.coerce.number({ error: 'expected milliseconds' }).int().min(1_000).max(86_400_000).default(60_000),
  FREQUENCY_CAP_PER_DAY: z.coerce.number({ error: 'expected a whole number of messages (0 turns the cap off)' }).int().min(0).max(1000).default(2),
  FREQUENCY_CAP_PER_WEEK: z.coerce.number({ error: 'expected a whole number of messages (0 turns the cap off)' }).int().min(0).max(10_000).default(6),
  QUIET_HOURS: z
    .string()
    .regex(/^(off|none|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$/i, { error: 'expected HH:MM-HH:MM in the user\'s local time (e.g. 21:00-08:00) or off' })
    .default('21:00-08:00'),
  QUIET_HOURS_CHANNELS: channelList.prefault('push,sms'),
  SEND_TIME_CONTROL_SHARE: z.coerce.number({ error: 'expected a share between 0 and 0.5 (e.g. 0.05)' }).min(0).max(0.5).default(0.05),
  SEND_TIME_EXPLORE_SHARE: z.coerce.number({ error: 'expected a share between 0 and 0.5 (e.g. 0.1)' }).min(0).max(0.5).default(0.1),
  AGENT_IN_SERVER: bool(false),
  SEND_TIME_LEARN_SECONDS: z.coerce.number({ error: 'expected seconds (0 turns the background learner off)' }).int().min(0).max(3600).default(15),
  CREDIT_PRICES: channelNumbers('credits per message').prefault(''),
  SEND_RATE_PER_SECOND: channelNumbers('messages per second').prefault(''),
  CREDITS_BILLING_USER_ID: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: url,
  ANTHROPIC_MODEL: z.string().min(1).default('claude-sonnet-4-5'),
  NOTIFICATION_SERVICE_URL: url,
  EVENT_SERVICE_URL: url,
  MEMORY_SERVICE_URL: url,
  ACCOUNT_SERVICE_URL: url,
  SUBSCRIPTION_SERVICE_URL: url,
  TASK_SERVICE_URL: url,
  AUDIT_SERVICE_URL: url,
  INTELLIGENT_QUERY_URL: url,
  INTERNAL_SERVICE_SECRET: z.string().min(1).optional(),
  PLATFORM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  SQLITE_CHECKPOINTER: z.enum(['on', 'off'], { error: 'expected on or off' }).default('on'),
  TRACKING_ENABLED: bool(true),
  /** Public base URL of the tracking routes (/t/...); default: this server's own HTTP address. */
  TRACKING_BASE_URL: url,
  TRACKING_SECRETS: z.string().min(1).optional(),
  NATS_URL: z
    .string()
    .regex(/^(nats|tls|wss?):\/\//, { error: 'expected a nats:// URL, e.g. nats://127.0.0.1:4222' })
    .optional(),
  /** With NATS_URL: consume the event service's event.stored envelopes (and NATS_EVENT_SUBJECTS) into event ingestion. */
  NATS_PLATFORM_EVENTS: bool(true),
  /** Extra NATS subjects carrying full user events, comma-separated (e.g. `app.events.>`). */
  NATS_EVENT_SUBJECTS: z
    .string()
    .regex(/^[A-Za-z0-9_.*>-]+(,[A-Za-z0-9_.*>-]+)*$/, { error: 'expected comma-separated NATS subjects such as app.events.>' })
    .optional(),
  /** Workspace the bus's events belong to (default DEFAULT_WORKSPACE). */
  NATS_EVENTS_WORKSPACE: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected 1-64 letters, digits, _ . or -' })
    .optional(),
  /**
   * Prefix of our durable consumer names. Processes of one deployment share them (which splits the
   * work between them); give each deployment on a shared NATS server its own.
   */
  NATS_DURABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,60}$/, { error: 'expected 1-60 letters, digits, _ or -' })
    .default('agentic-campaign'),
});

export type Env = z.output<typeof envSchema>;

export interface Config extends Omit<Env, 'MCP_HTTP_TOKENS'> {
  tokens: TokenGrant[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const got = SECRET_VARS.has(name) ? '' : ` (got ${JSON.stringify(String(cleaned[name] ?? '')).slice(0, 60)})`;
      return `${name}: ${issue.message}${got}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const { MCP_HTTP_TOKENS, ...rest } = parsed.data;
  return { ...rest, tokens: parseTokens(MCP_HTTP_TOKENS, rest.DEFAULT_WORKSPACE) };
}

/**
 * `token=scope,scope[@workspace];token2=scope`, e.g. `s3cret=read,write,send;viewer=read@acme`.
 * A token without `@workspace` belongs to the default workspace.
 */
export function parseTokens(spec: string | undefined, defaultWorkspace: string): TokenGrant[] {
  if (!spec) return [];
  const grants: TokenGrant[] = [];
  spec
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .forEach((entry, i) => {
      const eq = entry.indexOf('=');
      if (eq <= 0) throw new ConfigError(`MCP_HTTP_TOKENS: entry ${i + 1} must look like token=read,write[@workspace]`);
      const token = entry.slice(0, eq).trim();
      let rest = entry.slice(eq + 1).trim();
      let workspaceId = defaultWorkspace;
      const at = rest.lastIndexOf('@');
      if (at >= 0) {
        workspaceId = rest.slice(at + 1).trim();
        rest = rest.slice(0, at);
        if (!/^[A-Za-z0-9_.-]{1,64}$/.test(workspaceId)) {
          throw new ConfigError(`MCP_HTTP_TOKENS: entry ${i + 1} names an invalid workspace (1-64 letters, digits, _ . -)`);
        }
      }
      if (/\s/.test(token)) throw new ConfigError(`MCP_HTTP_TOKENS: entry ${i + 1}: a token may not contain spaces`);
      const scopes = rest.split(',').map((s) => s.trim()).filter(Boolean);
      if (scopes.length === 0) throw new ConfigError(`MCP_HTTP_TOKENS: entry ${i + 1} grants no scope (use read, write, send)`);
      for (const s of scopes) {
        if (!(SCOPES as readonly string[]).includes(s)) {
          throw new ConfigError(`MCP_HTTP_TOKENS: entry ${i + 1} has unknown scope '${s}' (use read, write, send)`);
        }
      }
      if (grants.some((g) => g.token === token)) throw new ConfigError(`MCP_HTTP_TOKENS: entry ${i + 1} repeats a token`);
      grants.push({ label: `token#${i + 1}`, token, scopes: new Set(scopes as Scope[]), workspaceId });
    });
  return grants;
}

export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
