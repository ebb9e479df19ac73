/**
 * The campaign model and its lifecycle state machine. Pure: no I/O, no clock.
 *
 * Lifecycle (user actions in quotes, system events in brackets):
 *
 *   draft --[schedule]--> scheduled --[start]--> running --[complete]--> completed
 *     |                    |   ^ [unschedule] -> draft |                    |
 *     |                    +-"pause"-> paused <-"pause"+                    |
 *     |                                 | "resume" returns to where it paused from
 *     +-"archive"--> archived <-"archive"-+ <-------------"archive"---------+
 *
 * Archiving is terminal. A scheduled or running campaign must be paused before it is archived,
 * so that an archive never silently stops messages in flight.
 */
import { DomainError } from './errors.js';

export const CHANNELS = ['email', 'push', 'sms', 'in_app', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CAMPAIGN_TYPES = ['one_time', 'recurring', 'triggered', 'journey'] as const;
export type CampaignType = (typeof CAMPAIGN_TYPES)[number];

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'archived'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const GOAL_METRICS = ['open', 'click', 'conversion', 'revenue'] as const;
export type GoalMetric = (typeof GOAL_METRICS)[number];

export const AGENT_GOALS = ['maximize_engagement', 'maximize_conversions', 'minimize_unsubscribes'] as const;
export type AgentGoal = (typeof AGENT_GOALS)[number];

export const AGENT_MODES = ['propose', 'autopilot'] as const;
export type AgentMode = (typeof AGENT_MODES)[number];

export const CONDITION_OPS = ['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'exists', 'contains'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

export interface CampaignSchedule {
  /** ISO 8601 instant for one-time campaigns. */
  at?: string;
  /** Cron expression for recurring campaigns, evaluated in `timezone`. */
  cron?: string;
  timezone?: string;
}

export interface TriggerCondition {
  field: string;
  op: ConditionOp;
  value?: string | number | boolean | Array<string | number>;
}

export interface CampaignTrigger {
  event_type: string;
  conditions: TriggerCondition[];
  delay_minutes: number;
  cooldown_hours: number;
  max_entries_per_user: number;
  exit_events: string[];
}

export interface CampaignGoal {
  metric: GoalMetric;
  event_type?: string;
  value_property?: string;
  attribution_window_hours: number;
}

export interface AgentSettings {
  enabled: boolean;
  goal: AgentGoal;
  mode: AgentMode;
}

export interface StatusChange {
  status: string;
  at: string;
  by: string;
  reason?: string;
}

export interface VariantDefinition {
  key: string;
  name: string;
  weight: number;
  subject?: string;
  body: string;
  html?: string;
  template_vars: Record<string, string>;
  /** Send-time variants: the local time of day (HH:MM, the recipient's own zone) this variant goes out at. */
  send_time?: string;
}

/** Everything a marketer defines about a campaign; what create_campaign accepts once validated. */
export interface CampaignDefinition {
  name: string;
  description: string;
  type: CampaignType;
  segment_id?: string;
  channels: Channel[];
  variants: VariantDefinition[];
  schedule?: CampaignSchedule;
  send_time_optimization: boolean;
  trigger?: CampaignTrigger;
  goal: CampaignGoal;
  budget_credits?: number;
  agent: AgentSettings;
}

export interface Variant extends VariantDefinition {
  id: string;
}

export interface Campaign extends Omit<CampaignDefinition, 'variants'> {
  id: string;
  workspace_id: string;
  status: CampaignStatus;
  paused_from?: CampaignStatus;
  variants: Variant[];
  credits_spent: number;
  status_history: StatusChange[];
  version: number;
  created_by: string;
  created_at: string;
  updated_at: string;
}

// ---------------------------------------------------------------------------------------------
// State machine

/** Actions a user (or the agent) may take through update_campaign_status. */
export const USER_ACTIONS = ['pause', 'resume', 'archive'] as const;
export type UserAction = (typeof USER_ACTIONS)[number];

/** Transitions the system makes (scheduler, dispatcher). */
export const SYSTEM_EVENTS = ['schedule', 'unschedule', 'start', 'complete'] as const;
export type SystemEvent = (typeof SYSTEM_EVENTS)[number];

export type LifecycleAction = UserAction | SystemEvent;

export interface LifecycleState {
  status: CampaignStatus;
  paused_from?: CampaignStatus;
}

const FROM: Record<Exclude<LifecycleAction, 'resume'>, { from: readonly CampaignStatus[]; to: CampaignStatus }> = {
  schedule: { from: ['draft'], to: 'scheduled' },
  unschedule: { from: ['scheduled'], to: 'draft' },
  start: { from: ['scheduled'], to: 'running' },
  complete: { from: ['running', 'paused'], to: 'completed' },
  pause: { from: ['scheduled', 'running'], to: 'paused' },
  archive: { from: ['draft', 'paused', 'completed'], to: 'archived' },
};

/** The actions allowed from a state, in a stable order. */
export function allowedActions(state: LifecycleState): LifecycleAction[] {
  const out: LifecycleAction[] = [];
  for (const [action, rule] of Object.entries(FROM) as [Exclude<LifecycleAction, 'resume'>, (typeof FROM)['pause']][]) {
    if (rule.from.includes(state.status)) out.push(action);
  }
  if (state.status === 'paused') out.push('resume');
  return out;
}

/** Allowed user actions only (what update_campaign_status accepts from this state). */
export function allowedUserActions(state: LifecycleState): UserAction[] {
  return allowedActions(state).filter((a): a is UserAction => (USER_ACTIONS as readonly string[]).includes(a));
}

/**
 * Applies an action to a lifecycle state. Throws `invalid_transition` naming the allowed actions
 * when the action does not apply; never returns an unchanged state.
 */
export function transition(state: LifecycleState, action: LifecycleAction): LifecycleState {
  if (action === 'resume') {
    if (state.status !== 'paused') throw invalidTransition(state, action);
    return { status: state.paused_from ?? 'scheduled' };
  }
  const rule = FROM[action];
  if (!rule.from.includes(state.status)) throw invalidTransition(state, action);
  if (action === 'pause') return { status: 'paused', paused_from: state.status };
  return { status: rule.to };
}

function invalidTransition(state: LifecycleState, action: LifecycleAction): DomainError {
  const users = allowedUserActions(state);
  const allowed = users.length ? users.join(', ') : 'none (archived is final)';
  const hint =
    action === 'archive' && (state.status === 'running' || state.status === 'scheduled')
      ? `Pause it first (action 'pause'), then archive it`
      : `Allowed actions from '${state.status}': ${allowed}`;
  return new DomainError('invalid_transition', `Cannot ${action} a campaign that is '${state.status}'`, hint);
}
