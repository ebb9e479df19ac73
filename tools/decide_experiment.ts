import { z } from 'zod';
import { DomainError, invalidInput, notFound } from '../src/domain/errors.js';
import { defineTool } from '../src/server/define.js';
import { hasRemainder } from '../src/domain/experiments/model.js';
import { decide, lookAt, rollout, stop } from '../src/services/experiments.js';
import { analysisView, experimentIdInput, experimentView, toExperimentView } from '../src/views/experiment.js';

export default defineTool({
  name: 'decide_experiment',
  title: 'Decide, stop or roll out an A/B test',
  description: `Ends a running experiment, or rolls its winner out, by hand (the server also decides on its own by the experiment's rule; use this to act earlier or to override).
- 'decide': picks the winner. Without winner_key it takes the current recommendation and refuses while the rule says to continue; with winner_key it records that choice (say why in reason). With rollout 'auto' and a remainder, the winner is sent to it at once.
- 'stop': ends it without a winner: no more waves, no roll-out.
- 'rollout': sends a decided winner to the remainder (experiments started with rollout 'manual').
Returns the experiment and the analysis the action rests on; every action is written to the audit log with those numbers. Read-only views: get_metrics (campaign_id) or experiment://{experiment_id}.`,
  scope: 'send',
  input: z.strictObject({
    experiment_id: experimentIdInput,
    action: z.enum(['decide', 'stop', 'rollout'], { error: 'action must be one of: decide, stop, rollout' }),
    winner_key: z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, { error: 'winner_key must be a variant key such as "B"' }).optional().describe("'decide': the winning variant; omit to take the recommendation."),
    reason: z.string({ error: 'reason must be a string' }).max(500, { error: 'reason is longer than 500 characters' }).optional().describe('Why, for the audit log.'),
  }),
  output: z.object({ experiment: experimentView, analysis: analysisView, next_step: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  auditTarget: (input) => ({ type: 'experiment', id: input.experiment_id }),
  async handler(input, ctx) {
    const ws = ctx.workspaceId;
    const e = await ctx.store.experiments.get(ws, input.experiment_id);
    if (!e) throw notFound('experiment', input.experiment_id, 'get_metrics for a campaign shows its experiment id');
    if (input.action !== 'decide' && input.winner_key) throw invalidInput(`winner_key is only for action 'decide'`, 'Drop winner_key');
    const { analysis } = await lookAt(ctx, ws, e, false);
    const actor = ctx.principal.actor;
    let after;
    if (input.action === 'decide') {
      const rec = analysis.recommendation;
      if (!input.winner_key && rec.action !== 'decide') {
        throw new DomainError('invalid_transition', `No winner yet: ${rec.reason}`, 'Wait for the rule, pass winner_key (with a reason) to decide anyway, or stop the experiment');
      }
      const winnerKey = input.winner_key ?? rec.winner_key;
      const reason = input.winner_key ? (input.reason ?? `chosen by ${actor}`) : `${rec.reason}${input.reason ? `; ${input.reason}` : ''}`;
      after = await decide(ctx, ws, e, { winnerKey, reason, actor, analysis });
    } else if (input.action === 'stop') {
      after = await stop(ctx, ws, e, actor, input.reason ?? `stopped by ${actor}`, analysis);
    } else {
      after = await rollout(ctx, ws, e, actor);
    }
    const next = after.status === 'rolled_out' ? `The winner is being sent to the remainder (schedule ${after.rolloutScheduleId}); follow it with get_metrics.` : 'Nothing else is sent for this experiment.';
    return { experiment: toExperimentView(after), analysis, next_step: after.status === 'decided' && hasRemainder(after) ? "Roll the winner out with action 'rollout'." : next };
  },
  summary: (o) => `${o.experiment.id}: ${o.experiment.status}${o.experiment.decision ? `, winner ${o.experiment.decision.winner_key ?? 'none'} (${o.experiment.decision.reason})` : ''}\n${o.next_step}`,
});
