/** The store port of experiments: the experiment rows, and the per-arm counts their looks read. */
import type { GoalMetric } from '../campaign.js';
import type { Experiment, ExperimentConfig, ExperimentDecision, ExperimentState, ExperimentStatus } from './model.js';

export interface NewExperiment {
  campaignId: string;
  config: ExperimentConfig;
  state: ExperimentState;
  createdBy: string;
}

export interface ExperimentPatch {
  status?: ExperimentStatus;
  state?: ExperimentState;
  decision?: ExperimentDecision | null;
  testScheduleId?: string;
  rolloutScheduleId?: string;
  decidedAt?: Date;
}

/** One arm's counts: a variant id, or `holdout`. */
export interface ArmStats {
  arm: string;
  /** Rows of the arm: messages sent (or attempted) with this variant; holdout: people held out. */
  assigned: number;
  /** Messages that went out (sent or delivered); holdout: people held out. */
  exposed: number;
  /** Exposed units with the metric's success within the window (a unique open or click, a goal event). */
  successes: number;
  /** Goal-event value within the window, summed per unit, and the sum of its squares per unit. */
  valueSum: number;
  valueSquares: number;
  unsubscribes: number;
  complaints: number;
  /** Latest send (or hold-out) time in the arm; null when empty. */
  lastAt: Date | null;
}

export interface ArmQuery {
  campaignId: string;
  stepKeys: readonly string[];
  metric: GoalMetric;
  windowMs: number;
  goalEvent?: string;
  /** Units sent at or before this instant (whose window has closed) are also counted as matured. */
  sentBy: Date;
}

/** One step's (a send's) counts for one arm: every unit, and the matured ones. */
export interface ArmStepStats {
  step: string;
  arm: string;
  live: ArmStats;
  matured: ArmStats;
}

/** Sums per arm over steps. */
export function byArm(rows: readonly ArmStats[]): ArmStats[] {
  const out = new Map<string, ArmStats>();
  for (const r of rows) {
    const a = out.get(r.arm);
    if (!a) {
      out.set(r.arm, { ...r });
      continue;
    }
    a.assigned += r.assigned;
    a.exposed += r.exposed;
    a.successes += r.successes;
    a.valueSum += r.valueSum;
    a.valueSquares += r.valueSquares;
    a.unsubscribes += r.unsubscribes;
    a.complaints += r.complaints;
    if (r.lastAt && (!a.lastAt || r.lastAt > a.lastAt)) a.lastAt = r.lastAt;
  }
  return [...out.values()];
}

export interface ExperimentRepo {
  /** Throws `conflict` when the campaign already has an experiment. */
  create(workspaceId: string, e: NewExperiment): Promise<Experiment>;
  get(workspaceId: string, id: string): Promise<Experiment | null>;
  forCampaign(workspaceId: string, campaignId: string): Promise<Experiment | null>;
  list(workspaceId: string, opts: { status?: ExperimentStatus; limit: number }): Promise<Experiment[]>;
  /** Applies the patch if the row is still at `version`; returns the new row, or null when it moved on. */
  update(workspaceId: string, id: string, version: number, patch: ExperimentPatch): Promise<Experiment | null>;
  completeIds(workspaceId: string, prefix: string, limit: number): Promise<string[]>;
  /** Per-step, per-arm counts of the experiment's sends, live and matured, in one read (see ArmStats). */
  arms(workspaceId: string, q: ArmQuery): Promise<ArmStepStats[]>;
}
