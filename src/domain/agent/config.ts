/**
 * The agent's settings per workspace, set by marketers (configure_agent) and enforced by the
 * server on every call the agent makes (./gate.ts), never by a prompt.
 */
import { z } from 'zod';

export const AGENT_WORKSPACE_MODES = ['off', 'propose', 'autopilot'] as const;
export type AgentWorkspaceMode = (typeof AGENT_WORKSPACE_MODES)[number];
export const DECIDERS = ['auto', 'policy', 'claude'] as const;

/** Tools the agent can never call, whatever the configuration: it cannot approve its own proposals or change its own limits. */
export const NEVER_FOR_AGENT = ['configure_agent', 'review_proposal', 'run_agent'] as const;

export const agentConfigInput = z.strictObject({
  mode: z
    .enum(AGENT_WORKSPACE_MODES, { error: 'mode must be off, propose or autopilot' })
    .describe('off: the agent does nothing; propose: every change it wants is recorded as a proposal a marketer approves or rejects (review_proposal); autopilot: it acts, within the limits below. A campaign whose own agent.mode is propose stays in propose.'),
  kill_switch: z.boolean({ error: 'kill_switch must be true or false' }).describe('Stops the agent at once: a running tick has every further call refused, and no tick starts.'),
  interval_minutes: z.number({ error: 'interval_minutes must be a number' }).int().min(1).max(7 * 24 * 60).describe('How often the agent loop ticks (besides notable events), unless cron is set.'),
  cron: z
    .string({ error: 'cron must be a cron expression such as "0 9 * * MON-FRI"' })
    .max(100)
    .nullable()
    .describe('Tick on this cron schedule (five fields, in cron_timezone) instead of every interval_minutes; null to use the interval.'),
  cron_timezone: z.string().min(1).max(64).describe('IANA zone of cron, e.g. Europe/Paris.'),
  max_actions_per_tick: z.number({ error: 'max_actions_per_tick must be a number' }).int().min(0).max(50),
  max_audience_per_send: z.number({ error: 'max_audience_per_send must be a number' }).int().min(0).max(100_000_000).describe('The largest send the agent may start (segment size).'),
  max_credits_per_day: z.number({ error: 'max_credits_per_day must be a number' }).int().min(0).max(1_000_000_000).describe('Credits the sends the agent starts may cost per UTC day.'),
  forbidden_tools: z.array(z.string().regex(/^[a-z_]{2,40}$/, { error: 'forbidden_tools[] must be tool names such as update_suppression' })).max(50),
  scopes: z.array(z.enum(['read', 'write', 'send'], { error: 'scopes[] must be read, write or send' })).min(1).max(3).describe("The agent's token scopes."),
  unsubscribe_rate_threshold: z.number().min(0).max(1).describe('The deterministic policy pauses a running campaign whose unsubscribe rate passes this (with at least min_sent_for_rates sent).'),
  complaint_rate_threshold: z.number().min(0).max(1),
  min_sent_for_rates: z.number().int().min(1).max(10_000_000),
  churn_risk_threshold: z.number().min(0).max(1).describe('Re-engagement flows are re-targeted to people whose churn risk is at least this.'),
  decider: z.enum(DECIDERS, { error: 'decider must be auto, policy or claude' }).describe('auto: Claude when ANTHROPIC_API_KEY is set, else the deterministic policy.'),
  max_steps: z.number().int().min(1).max(30).describe("Claude: tool-use turns per tick."),
  max_tokens: z.number().int().min(256).max(200_000).describe('Claude: tokens per tick (input + output).'),
  timeout_ms: z.number().int().min(1_000).max(600_000).describe('Claude: wall time per tick.'),
});

export type AgentConfig = z.output<typeof agentConfigInput>;

export const DEFAULT_AGENT_CONFIG: AgentConfig = {
  mode: 'propose',
  kill_switch: false,
  interval_minutes: 60,
  cron: null,
  cron_timezone: 'UTC',
  max_actions_per_tick: 5,
  max_audience_per_send: 50_000,
  max_credits_per_day: 100_000,
  forbidden_tools: ['update_suppression', 'manage_platform_template'],
  scopes: ['read', 'write', 'send'],
  unsubscribe_rate_threshold: 0.01,
  complaint_rate_threshold: 0.002,
  min_sent_for_rates: 200,
  churn_risk_threshold: 0.6,
  decider: 'auto',
  max_steps: 8,
  max_tokens: 20_000,
  timeout_ms: 60_000,
};

/** A stored configuration completed with today's defaults (fields added later keep working). */
export function withDefaults(stored: Partial<AgentConfig> | null | undefined): AgentConfig {
  const merged = { ...DEFAULT_AGENT_CONFIG, ...(stored ?? {}) };
  const parsed = agentConfigInput.safeParse(merged);
  return parsed.success ? parsed.data : DEFAULT_AGENT_CONFIG;
}
