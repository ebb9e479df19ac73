/**
 * What the agent sees at a tick, gathered only through MCP (list_campaigns, campaign://{id},
 * get_metrics), exactly as an outside client would: the campaigns that enabled it, each with its
 * numbers, schedules, experiment and journey.
 */
import type { InProcessClient } from '../server/in-process.js';

export interface ExperimentObservation {
  id: string;
  status: string;
  rollout: string;
  /** The share of the audience the test does not cover (it gets the winner). */
  has_remainder: boolean;
  recommendation: { action: string; winner_key: string | null; reason: string };
  decision: { winner_key: string | null; reason: string } | null;
  /** Arms a guardrail stopped, with why. */
  stopped: Record<string, string>;
  /** Per arm: units exposed, successes, rate, and the Bayesian chance to be best. */
  arms: Array<{ key: string; exposed: number; rate: number | null; chance_to_be_best: number | null }>;
  /** A sample ratio mismatch makes every number suspect. */
  srm_mismatch: boolean;
}

export interface CampaignObservation {
  id: string;
  name: string;
  type: string;
  status: string;
  channels: string[];
  segment_id: string | null;
  agent: { enabled: boolean; goal: string; mode: string };
  counts: { targeted: number; sent: number; opened: number; clicked: number; converted: number; unsubscribed: number; complained: number; bounced: number };
  rates: { open: number | null; click: number | null; unsubscribe: number | null; complaint: number | null };
  schedules: Array<{ id: string; kind: string; status: string; next_run_at: string | null; window_hours?: number }>;
  experiment: ExperimentObservation | null;
  journey: { trigger_event: string | null; inactivity_days: number | null; segment_id: string | null; definition: Record<string, unknown> | null } | null;
  variants: Array<Record<string, unknown>>;
}

export interface Observations {
  at: string;
  campaigns: CampaignObservation[];
  /** Campaigns not shown because they have not enabled the agent. */
  others: number;
  /** Whether the send-time model has any history to choose hours from. */
  send_time_model: boolean;
  /** People whose churn risk is at least the threshold (refresh_scores keeps it current). */
  churn: { threshold: number; segment_id: string | null } | null;
}

type J = Record<string, any>;

export async function observe(client: InProcessClient, now: Date, churnThreshold: number): Promise<Observations> {
  const listed = await client.callTool('list_campaigns', { limit: 100 });
  if (listed.isError) throw new Error(`list_campaigns failed: ${listed.text}`);
  const all = ((listed.structured as J | undefined)?.campaigns ?? []) as J[];
  const mine = all.filter((c) => c.agent?.enabled && c.status !== 'archived' && c.status !== 'draft');
  const campaigns: CampaignObservation[] = [];
  for (const c of mine) {
    const state = JSON.parse(await client.readResource(`campaign://${c.id}`)) as J;
    const metrics = await client.callTool('get_metrics', { campaign_id: c.id, trend: 'none' });
    const m = (metrics.structured ?? {}) as J;
    const counts = m.counts ?? {};
    const sent = Number(counts.sent ?? 0);
    const rate = (n: number) => (sent > 0 ? n / sent : null);
    const ex = m.experiment as J | null | undefined;
    const trigger = state.campaign?.trigger as J | undefined;
    const inactivity = (trigger?.conditions as J[] | undefined)?.find((x) => x.field === 'days_inactive');
    campaigns.push({
      id: c.id,
      name: c.name,
      type: c.type,
      status: c.status,
      channels: c.channels,
      segment_id: c.segment_id ?? null,
      agent: c.agent,
      counts: {
        targeted: Number(counts.targeted ?? 0), sent, opened: Number(counts.opened ?? 0), clicked: Number(counts.clicked ?? 0), converted: Number(counts.converted ?? 0),
        unsubscribed: Number(counts.unsubscribed ?? 0), complained: Number(counts.complained ?? 0), bounced: Number(counts.bounced ?? 0),
      },
      rates: { open: m.rates?.open_rate?.value ?? null, click: m.rates?.click_rate?.value ?? null, unsubscribe: rate(Number(counts.unsubscribed ?? 0)), complaint: rate(Number(counts.complained ?? 0)) },
      schedules: ((state.schedules ?? []) as J[]).map((s) => ({ id: s.id, kind: s.kind, status: s.status, next_run_at: s.next_run_at ?? null, ...(s.window_hours ? { window_hours: s.window_hours } : {}) })),
      experiment: ex
        ? {
          id: ex.experiment.id,
          status: ex.experiment.status,
          rollout: ex.experiment.rollout,
          has_remainder: Number(ex.experiment.test_share) < 1,
          recommendation: ex.analysis?.recommendation ?? { action: 'continue', winner_key: null, reason: '' },
          decision: ex.experiment.decision ? { winner_key: ex.experiment.decision.winner_key, reason: ex.experiment.decision.reason } : null,
          stopped: Object.fromEntries(((ex.analysis?.arms ?? []) as J[]).filter((a) => a.stopped).map((a) => [a.key, String(a.stopped)])),
          arms: ((ex.analysis?.arms ?? []) as J[]).map((a) => ({ key: a.key, exposed: Number(a.exposed ?? 0), rate: a.rate ?? null, chance_to_be_best: a.chance_to_be_best ?? null })),
          srm_mismatch: Boolean(ex.analysis?.srm?.mismatch),
        }
        : null,
      journey: c.type === 'journey' || c.type === 'triggered'
        ? {
          trigger_event: trigger?.event_type ?? null,
          inactivity_days: inactivity ? Number(inactivity.value) : null,
          segment_id: c.segment_id ?? null,
          definition: (state.journey?.definition as J | undefined) ?? null,
        }
        : null,
      variants: (state.campaign?.variants ?? []) as J[],
    });
  }
  const best = await client.callTool('get_metrics', { trend: 'none', limit: 1 });
  return {
    at: now.toISOString(),
    campaigns,
    others: all.length - mine.length,
    send_time_model: Boolean((best.structured as J | undefined)?.best_send_times),
    churn: { threshold: churnThreshold, segment_id: null },
  };
}
