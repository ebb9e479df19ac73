import { agentConfigInput } from '../src/domain/agent/config.js';
import { checkCron } from '../src/domain/delivery/schedule.js';
import { DomainError } from '../src/domain/errors.js';
import { defineTool } from '../src/server/define.js';
import { agentConfigView } from '../src/views/agent.js';

export default defineTool({
  name: 'configure_agent',
  title: "Set the campaign agent's mode and limits",
  description: `Shows (no fields given) or changes the campaign agent's settings for this workspace. The server enforces them on every call the agent makes, whatever it was told:
- when it ticks: every interval_minutes, or on a cron schedule (cron, cron_timezone), and after notable events;
- mode: off, propose (every change it wants becomes a proposal a marketer approves or rejects with review_proposal; nothing is sent until then) or autopilot (it acts within the limits); a campaign whose own agent.mode is propose stays in propose;
- kill_switch: true stops it at once: the rest of a running tick is refused and no tick starts;
- limits: max_actions_per_tick, max_audience_per_send, max_credits_per_day; forbidden_tools; its token scopes;
- the deterministic policy's thresholds (unsubscribe and complaint rates, churn risk) and Claude's bounds (max_steps, max_tokens, timeout_ms).
Only campaigns with agent.enabled (create_campaign) are ever touched. The agent itself can never call this tool. Returns the settings in force.`,
  scope: 'write',
  input: agentConfigInput.partial(),
  output: agentConfigView,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  auditTarget: () => ({ type: 'agent_config' }),
  async handler(input, ctx) {
    const ws = ctx.workspaceId;
    const current = await ctx.store.agent.config(ws);
    const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
    if (Object.keys(changes).length === 0) {
      return { ...current.config, updated_by: current.updatedBy, updated_at: current.updatedAt ? current.updatedAt.toISOString() : null };
    }
    const next = agentConfigInput.safeParse({ ...current.config, ...changes });
    if (!next.success) throw new DomainError('invalid_input', `Invalid agent settings: ${next.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'Fix the fields named');
    if (next.data.cron !== null) checkCron(next.data.cron, next.data.cron_timezone, { cron: 'cron', timezone: 'cron_timezone' });
    const now = ctx.clock.now();
    await ctx.store.agent.saveConfig(ws, next.data, ctx.principal.actor, now);
    return { ...next.data, updated_by: ctx.principal.actor, updated_at: now.toISOString() };
  },
  summary: (o) => `agent: mode ${o.mode}${o.kill_switch ? ', KILL SWITCH ON' : ''}; ${o.max_actions_per_tick} actions/tick, sends of at most ${o.max_audience_per_send}, ${o.max_credits_per_day} credits/day; forbidden: ${o.forbidden_tools.join(', ') || 'none'}`,
});
