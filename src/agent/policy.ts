/**
 * The deterministic decider (pure, no key needed): from what a tick observed, the options it
 * weighed and the tool calls it will make, each with its reason. Rules, in order:
 *
 *  1. pause a running or scheduled campaign whose unsubscribe or complaint rate passes the
 *     workspace's threshold (with enough sent to judge);
 *  2. experiments: decide one whose rule says a winner is ready; while the rule still collects,
 *     decide for an arm whose Bayesian chance to be best reaches 95% with at least 300 people
 *     per arm and no sample ratio mismatch (the agent's goal is the better outcome, and the
 *     rule's anytime-valid guarantee is stricter than that needs); roll out a decided winner
 *     whose roll-out is manual; note arms a guardrail already stopped;
 *  3. switch a scheduled one-time email send that has not fired yet to optimal timing, within 24
 *     hours of its planned time (when the send-time model has history);
 *  4. re-target a running re-engagement journey (entered by inactivity) to people at rising churn
 *     risk: define that segment once, then gate the journey's entry on it with a branch.
 *
 * Every call goes through MCP and the server's guardrails, which may still refuse or turn it
 * into a proposal: the policy never assumes it acted.
 */
import type { AgentConfig } from '../domain/agent/config.js';
import type { CampaignObservation, Observations } from './observe.js';

export interface PlannedCall {
  /** The campaign it is for: a failed call skips the rest of that campaign's calls. */
  campaign_id: string;
  tool: string;
  input: Record<string, unknown>;
  reason: string;
}

export interface Option {
  campaign_id: string | null;
  considered: string;
  chosen: boolean;
  why: string;
}

export interface Plan {
  options: Option[];
  calls: PlannedCall[];
  rationale: string;
}

/** The agent decides an experiment before its rule when one arm is this likely best, with this many people per arm. */
const BAYES_CHANCE = 0.95;
const BAYES_MIN_PER_ARM = 300;

/** The name of the segment the agent keeps for re-engagement targeting. */
export const CHURN_SEGMENT_NAME = 'Rising churn risk (agent)';
const GATE_STEP = 'agent_churn_gate';
const GATE_EXIT = 'agent_churn_exit';

export function policyPlan(obs: Observations, config: AgentConfig, churnSegmentId: string | null, tickId: string): Plan {
  const options: Option[] = [];
  const calls: PlannedCall[] = [];
  const now = Date.parse(obs.at);
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);

  for (const c of obs.campaigns) {
    // 1. Guardrail rates.
    const live = c.status === 'running' || c.status === 'scheduled';
    if (live && c.counts.sent >= config.min_sent_for_rates) {
      const unsub = c.rates.unsubscribe ?? 0;
      const complaint = c.rates.complaint ?? 0;
      const over = unsub > config.unsubscribe_rate_threshold || complaint > config.complaint_rate_threshold;
      const what = `unsubscribe rate ${pct(unsub)} (limit ${pct(config.unsubscribe_rate_threshold)}), complaint rate ${pct(complaint)} (limit ${pct(config.complaint_rate_threshold)}) over ${c.counts.sent} sent`;
      options.push({ campaign_id: c.id, considered: 'pause for unsubscribes or complaints', chosen: over, why: what });
      if (over) {
        calls.push({ campaign_id: c.id, tool: 'update_campaign_status', input: { campaign_id: c.id, action: 'pause', reason: `agent: ${what}` }, reason: `${c.name}: ${what}` });
        continue;
      }
    }

    // 2. Experiments.
    const e = c.experiment;
    if (e) {
      for (const [arm, why] of Object.entries(e.stopped)) {
        options.push({ campaign_id: c.id, considered: `stop variant ${arm}`, chosen: false, why: `the server's guardrail already stopped it: ${why}` });
      }
      if (e.status === 'running' && e.recommendation.action === 'decide') {
        options.push({ campaign_id: c.id, considered: 'decide the experiment', chosen: true, why: e.recommendation.reason });
        calls.push({ campaign_id: c.id, tool: 'decide_experiment', input: { experiment_id: e.id, action: 'decide', reason: `agent: ${e.recommendation.reason}` }, reason: `${c.name}: the decision rule says ${e.recommendation.winner_key} wins (${e.recommendation.reason})` });
        if (e.rollout === 'manual' && e.has_remainder) {
          calls.push({ campaign_id: c.id, tool: 'decide_experiment', input: { experiment_id: e.id, action: 'rollout' }, reason: `${c.name}: send the winner ${e.recommendation.winner_key} to the rest of the audience` });
        }
      } else if (e.status === 'decided' && e.rollout === 'manual' && e.has_remainder) {
        options.push({ campaign_id: c.id, considered: 'roll out the decided winner', chosen: true, why: e.decision?.reason ?? 'decided' });
        calls.push({ campaign_id: c.id, tool: 'decide_experiment', input: { experiment_id: e.id, action: 'rollout' }, reason: `${c.name}: winner ${e.decision?.winner_key ?? '?'} decided, roll-out is manual` });
      } else if (e.status === 'running') {
        const live = e.arms.filter((a) => !e.stopped[a.key]);
        const lead = live.reduce<(typeof live)[number] | null>((b, a) => (b === null || (a.chance_to_be_best ?? 0) > (b.chance_to_be_best ?? 0) ? a : b), null);
        const enough = live.length >= 2 && live.every((a) => a.exposed >= BAYES_MIN_PER_ARM);
        if (lead && enough && !e.srm_mismatch && (lead.chance_to_be_best ?? 0) >= BAYES_CHANCE) {
          const why = `${lead.key} is best with ${((lead.chance_to_be_best ?? 0) * 100).toFixed(1)}% probability (${live.map((a) => `${a.key} ${((a.rate ?? 0) * 100).toFixed(2)}% of ${a.exposed}`).join(', ')}); the rule is still collecting (${e.recommendation.reason || 'continue'})`;
          options.push({ campaign_id: c.id, considered: 'decide the experiment', chosen: true, why });
          calls.push({ campaign_id: c.id, tool: 'decide_experiment', input: { experiment_id: e.id, action: 'decide', winner_key: lead.key, reason: `agent: ${why}` }, reason: `${c.name}: ${why}` });
          if (e.rollout === 'manual' && e.has_remainder) {
            calls.push({ campaign_id: c.id, tool: 'decide_experiment', input: { experiment_id: e.id, action: 'rollout' }, reason: `${c.name}: send the winner ${lead.key} to the rest of the audience` });
          }
        } else {
          const why = e.srm_mismatch ? 'a sample ratio mismatch: the numbers cannot be trusted' : !enough ? `fewer than ${BAYES_MIN_PER_ARM} people per arm so far` : `no arm is best with ${BAYES_CHANCE * 100}% probability yet`;
          options.push({ campaign_id: c.id, considered: 'decide the experiment', chosen: false, why: `not yet: ${why}; the rule says ${e.recommendation.reason || 'continue'}` });
        }
      }
    }

    // 3. Optimal timing for a send that has not fired.
    const pending = c.schedules.find((s) => s.status === 'active' && s.kind === 'at' && s.next_run_at !== null && Date.parse(s.next_run_at) > now + 2 * 3_600_000);
    if (pending && c.type === 'one_time' && !e && c.channels[0] === 'email') {
      const eligible = obs.send_time_model && c.agent.goal === 'maximize_engagement';
      options.push({
        campaign_id: c.id, considered: 'switch the scheduled send to optimal timing', chosen: eligible,
        why: eligible ? `not sent yet (planned ${pending.next_run_at}); each person at their best hour within 24 h of it` : obs.send_time_model ? `the campaign's agent goal is ${c.agent.goal}` : 'no send-time history yet',
      });
      if (eligible) {
        calls.push({
          campaign_id: c.id,
          tool: 'schedule_send',
          input: { campaign_id: c.id, optimal: true, at: pending.next_run_at, window_hours: 24, replace_schedule_id: pending.id, confirm: true, idempotency_key: `agent-optimal-${pending.id}` },
          reason: `${c.name}: each person at their best local hour within 24 h of ${pending.next_run_at}, replacing the fixed-time send in one call`,
        });
      }
    }

    // 4. Re-engagement toward rising churn risk.
    if (c.type === 'journey' && c.status === 'running' && c.journey?.inactivity_days !== null && c.journey?.definition) {
      const gated = Boolean((c.journey.definition as { steps?: Record<string, unknown> }).steps?.[GATE_STEP]);
      if (!gated) retarget(c, churnSegmentId, config, options, calls);
    }
  }
  if (calls.length > config.max_actions_per_tick) {
    options.push({ campaign_id: null, considered: `the ${calls.length - config.max_actions_per_tick} actions past the per-tick limit`, chosen: false, why: `limit ${config.max_actions_per_tick} per tick: left for the next tick` });
    calls.splice(config.max_actions_per_tick);
  }
  const rationale =
    calls.length === 0
      ? `Nothing to do: ${obs.campaigns.length} campaign${obs.campaigns.length === 1 ? '' : 's'} managed by the agent, none needing action (${options.length} options weighed).`
      : `${calls.length} action${calls.length === 1 ? '' : 's'}: ${calls.map((k) => k.reason).join('; ')}.`;
  return { options, calls, rationale: `[${tickId}] ${rationale}` };
}

function retarget(c: CampaignObservation, churnSegmentId: string | null, config: AgentConfig, options: Option[], calls: PlannedCall[]) {
  if (!churnSegmentId) {
    options.push({ campaign_id: c.id, considered: 'aim the re-engagement flow at rising churn risk', chosen: true, why: `first define the segment of churn risk >= ${config.churn_risk_threshold}` });
    calls.push({
      campaign_id: c.id,
      tool: 'define_segment',
      input: { name: CHURN_SEGMENT_NAME, description: `People whose churn risk is at least ${config.churn_risk_threshold} (kept by the campaign agent).`, rules: { version: 1, root: { kind: 'score', score: 'churn_risk', op: 'gte', value: config.churn_risk_threshold } } },
      reason: `${c.name}: a segment of people at rising churn risk to aim it at`,
    });
    return;
  }
  const def = c.journey!.definition as { start: string; steps: Record<string, unknown> } & Record<string, unknown>;
  const revised = {
    ...def,
    start: GATE_STEP,
    steps: { ...def.steps, [GATE_STEP]: { kind: 'branch', on: { segment_id: churnSegmentId }, then: def.start, else: GATE_EXIT }, [GATE_EXIT]: { kind: 'exit' } },
  };
  options.push({ campaign_id: c.id, considered: 'aim the re-engagement flow at rising churn risk', chosen: true, why: `only people in ${churnSegmentId} (churn risk >= ${config.churn_risk_threshold}) go on` });
  calls.push({
    campaign_id: c.id,
    tool: 'create_journey',
    input: { campaign_id: c.id, name: c.name, channels: c.channels, ...(c.segment_id ? { segment_id: c.segment_id } : {}), journey: revised, agent: c.agent },
    reason: `${c.name}: a new revision whose first step lets only people at rising churn risk through`,
  });
}
