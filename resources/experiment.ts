import { notFound } from '../src/domain/errors.js';
import { defineResource } from '../src/server/define.js';
import { lookAt } from '../src/services/experiments.js';
import { analysisTable, toExperimentView } from '../src/views/experiment.js';

export default defineResource({
  name: 'experiment',
  title: 'A/B test',
  description:
    'An experiment: its configuration (metric, arms and split, holdout, test share, decision rule, window), status, bandit waves, decision with its evidence, and the live analysis: per arm rates with Wilson intervals, chance to be best and expected loss; per variant the fixed-horizon difference (Newcombe or Welch), Benjamini-Hochberg p-values, the anytime-valid lift interval and e-value, the group-sequential boundary; the sample-ratio check, guardrails (unsubscribes, complaints), incrementality against the holdout, and what the rule recommends now.',
  uriTemplate: 'experiment://{experiment_id}',
  mimeType: 'application/json',
  async list(ctx) {
    const items = await ctx.store.experiments.list(ctx.workspaceId, { limit: 100 });
    return items.map((e) => ({ uri: `experiment://${e.id}`, name: e.id, title: `${e.config.metric} test of ${e.campaignId} (${e.status})`, mimeType: 'application/json' }));
  },
  complete: {
    experiment_id: (value, ctx) => ctx.store.experiments.completeIds(ctx.workspaceId, value, 20),
  },
  async read(uri, vars, ctx) {
    const id = vars.experiment_id ?? '';
    const e = await ctx.store.experiments.get(ctx.workspaceId, id);
    if (!e) throw notFound('experiment', id, 'get_metrics for a campaign shows its experiment id');
    const { analysis } = await lookAt(ctx, ctx.workspaceId, e, false);
    const body = { experiment: toExperimentView(e), decision_evidence: e.decision?.evidence ?? null, analysis, summary: analysisTable(e, analysis) };
    return [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }];
  },
});
