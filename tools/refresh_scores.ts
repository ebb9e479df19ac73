import { z } from 'zod';
import { defineTool } from '../src/server/define.js';
import { refreshScores } from '../src/services/scores.js';

export default defineTool({
  name: 'refresh_scores',
  title: 'Recompute predictive scores',
  description: `Recomputes every user's predictive scores in this workspace from purchase events: RFM quintile scores and segment label (champions, at_risk, hibernating, ...), churn risk (1 - P(alive) under a BG/NBD model fitted by maximum likelihood), expected purchases in the next 90 days, and predicted LTV (BG/NBD + Gamma-Gamma, 365 days).
Scores are also refreshed periodically by the server; call this after loading data, or before defining a segment on scores. Returns the fitted model parameters and any notes (e.g. too few repeat buyers to fit). It replaces the previous scores; it sends nothing.`,
  scope: 'write',
  input: z.strictObject({}),
  output: z.object({
    purchasers: z.number().int(),
    scored: z.number().int(),
    params: z.record(z.string(), z.unknown()),
    notes: z.array(z.string()),
    computed_at: z.string(),
    ms: z.number(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  auditTarget: () => ({ type: 'scores' }),
  async handler(_input, ctx) {
    const r = await refreshScores(ctx.store, ctx.clock, ctx.workspaceId);
    return { ...r, params: r.params as unknown as Record<string, unknown> };
  },
});
