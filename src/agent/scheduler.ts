/**
 * The agent loop of a long-running process: per workspace, a tick every interval_minutes of its
 * settings (or at the times of its cron schedule), and one at once after a notable event (an experiment decided, stopped or had a
 * variant stopped by a guardrail, a campaign paused, a campaign's budget 90% spent). The kill
 * switch and mode are read before every tick; a running tick stops at its next call.
 */
import type { AppContext } from '../context.js';
import { nextCronRun } from '../domain/delivery/schedule.js';
import type { AgentRunner } from './loop.js';

/** Audit actions that deserve a tick now. */
export const NOTABLE_ACTIONS = ['experiment.decide', 'experiment.stop', 'experiment.guardrail', 'update_campaign_status'] as const;
const POLL_MS = 30_000;

export function startAgentLoop(app: AppContext, runner: AgentRunner, workspaces: readonly string[], opts: { pollMs?: number } = {}): { stop(): Promise<void> } {
  const lastTick = new Map<string, number>();
  const seenAudit = new Map<string, string>();
  const budgetNoticed = new Set<string>();
  const controller = new AbortController();
  let busy: Promise<unknown> = Promise.resolve();

  const check = async () => {
    for (const ws of workspaces) {
      const { config } = await app.store.agent.config(ws);
      if (config.kill_switch || config.mode === 'off') continue;
      const now = app.clock.now().getTime();
      const events = await notableEvents(app, ws, seenAudit, budgetNoticed);
      const last = lastTick.get(ws);
      const due = config.cron !== null
        ? last === undefined || (nextCronRun(config.cron, config.cron_timezone, new Date(last))?.getTime() ?? Infinity) <= now
        : now - (last ?? 0) >= config.interval_minutes * 60_000;
      if (!due && events.length === 0) continue;
      lastTick.set(ws, now);
      const reason = events.length > 0 ? `event: ${events.slice(0, 5).join('; ')}` : config.cron !== null ? `cron ${config.cron} (${config.cron_timezone})` : `every ${config.interval_minutes} min`;
      const d = await runner.tick(ws, reason, controller.signal);
      app.log.info({ workspace: ws, decision: d.id, status: d.status, reason, rationale: d.rationale.slice(0, 300) }, 'agent tick');
    }
  };
  const run = () => {
    busy = busy.then(check).catch((err) => app.log.error({ err }, 'agent loop failed'));
  };
  run();
  const timer = setInterval(run, opts.pollMs ?? POLL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      controller.abort();
      await busy;
    },
  };
}

/** What happened since the last look: notable audit entries, campaigns whose budget is 90% spent. */
async function notableEvents(app: AppContext, ws: string, seen: Map<string, string>, budgets: Set<string>): Promise<string[]> {
  const out: string[] = [];
  const recent = await app.store.audit.list(ws, 100);
  const last = seen.get(ws);
  if (recent[0]) seen.set(ws, recent[0].id);
  if (last !== undefined) {
    for (const a of recent) {
      if (a.id <= last) break;
      // The agent's own calls do not wake it again.
      if (a.actor.startsWith('agent:')) continue;
      if ((NOTABLE_ACTIONS as readonly string[]).includes(a.action) && a.result === 'ok') out.push(`${a.action} ${a.targetId ?? ''}`.trim());
    }
  }
  const page = await app.store.campaigns.list(ws, { limit: 100, status: 'running' });
  for (const c of page.items) {
    if (!c.agent.enabled || c.budget_credits === undefined || budgets.has(c.id)) continue;
    if (c.credits_spent >= 0.9 * c.budget_credits) {
      budgets.add(c.id);
      out.push(`budget of ${c.id} ${Math.round((100 * c.credits_spent) / c.budget_credits)}% spent`);
    }
  }
  return out;
}
