/**
 * The experiment model: what run_ab_test configures, the state its looks accumulate, and the
 * decision it ends with. Pure data; the statistics live beside it (frequentist, sequential,
 * group-sequential, bayes, bandit, srm) and `analysis.ts` applies them to an experiment.
 */
import type { GoalMetric } from '../campaign.js';
import type { GroupSequentialState } from './group-sequential.js';

export const EXPERIMENT_STATUSES = ['running', 'decided', 'rolled_out', 'stopped'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

export const ALLOCATIONS = ['fixed', 'bandit'] as const;
export type Allocation = (typeof ALLOCATIONS)[number];

/**
 * How a fixed-split test decides:
 * - `always_valid`: anytime-valid e-values and confidence sequences; any look, any time, at the
 *   live counts (the default: a campaign is watched continuously).
 * - `group_sequential`: a Lan-DeMets O'Brien-Fleming boundary over looks at matured sends, the
 *   information fraction being matured sends over the known test audience.
 * - `bayesian`: chance to beat every other arm ≥ `chance_to_beat` with `min_per_arm` recipients.
 * - `fixed_horizon`: one test once every test send's window has closed (Benjamini-Hochberg across
 *   the variants).
 * Bandits decide by value remaining (bandit.ts).
 */
export const DECISION_METHODS = ['always_valid', 'group_sequential', 'bayesian', 'fixed_horizon'] as const;
export type DecisionMethod = (typeof DECISION_METHODS)[number];

export const ROLLOUT_MODES = ['auto', 'manual'] as const;
export type RolloutMode = (typeof ROLLOUT_MODES)[number];

export const INCONCLUSIVE_CHOICES = ['keep_control', 'best_observed'] as const;
export type InconclusiveChoice = (typeof INCONCLUSIVE_CHOICES)[number];

export interface ExperimentArm {
  key: string;
  variantId: string;
  /** Share of the test group (fixed split); a bandit's starting share. */
  weight: number;
}

export interface ExperimentConfig {
  metric: GoalMetric;
  controlKey: string;
  arms: ExperimentArm[];
  allocation: Allocation;
  /** Share of the whole audience that gets no message (incrementality). */
  holdoutShare: number;
  /** Share of the rest that is in the test; the remainder gets the winner once it is decided. */
  testShare: number;
  /** Relative lift the plan is sized for (0.1 = +10 %). */
  minimumDetectableLift: number;
  baselineRate: number;
  method: DecisionMethod;
  alpha: number;
  chanceToBeat: number;
  minPerArm: number;
  /** Engagement or conversions count when within this many hours of the send. */
  windowHours: number;
  checkEveryMinutes: number;
  rollout: RolloutMode;
  onInconclusive: InconclusiveChoice;
  /** Bandits: the test group is sent in this many waves, `waveEveryHours` apart. */
  waves: number;
  waveEveryHours: number;
  /** Goal event for conversion and revenue. */
  goalEvent?: string;
  /** People in the segment when the test was started (the known audience). */
  audienceAtStart: number;
  /** Guardrails: stop a variant whose unsubscribe or complaint rate is significantly worse. */
  guardrailAlpha: number;
}

/** A bandit wave's split, fixed before the wave is sent (so a resumed send assigns the same). */
export interface Wave {
  index: number;
  scheduleId: string;
  weights: Record<string, number>;
  at: string;
}

export interface ExperimentState {
  /** Group-sequential boundaries so far, per variant key (against the control). */
  sequential: Record<string, GroupSequentialState>;
  /** Matured units at the last official look (group_sequential). */
  lastLookUnits: number;
  looks: number;
  /** Smallest anytime-valid SRM p-value over the looks. */
  srmMinP: number;
  /** Arms stopped by a guardrail (key -> why). */
  stoppedArms: Record<string, string>;
  waves: Wave[];
}

export interface ExperimentDecision {
  winnerKey: string | null;
  reason: string;
  decidedBy: string;
  at: string;
  /** The numbers that justified it (the analysis at the time). */
  evidence: Record<string, unknown>;
}

export interface Experiment {
  id: string;
  workspaceId: string;
  campaignId: string;
  status: ExperimentStatus;
  config: ExperimentConfig;
  state: ExperimentState;
  decision: ExperimentDecision | null;
  /** The test send (schedule) and, once rolled out, the roll-out's. */
  testScheduleId: string | null;
  rolloutScheduleId: string | null;
  version: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  decidedAt: Date | null;
}

export const emptyState = (): ExperimentState => ({ sequential: {}, lastLookUnits: 0, looks: 0, srmMinP: 1, stoppedArms: {}, waves: [] });

/** An experiment still to end: the campaign stays running until it is decided and rolled out. */
export function holdsCampaignOpen(e: Pick<Experiment, 'status' | 'config' | 'state'>): boolean {
  return e.status === 'running' || (e.status === 'decided' && hasRemainder(e));
}

/** Whether some of the audience waits for the winner: outside the test, or in a bandit's unsent waves. */
export function hasRemainder(e: Pick<Experiment, 'config' | 'state'>): boolean {
  return e.config.testShare < 1 || (e.config.allocation === 'bandit' && e.state.waves.length < e.config.waves);
}
