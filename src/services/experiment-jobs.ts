/** The experiment engine's job kind and dedupe key (kept apart so that enqueueing loads no statistics). */
export const EXPERIMENT_TICK = 'experiment.tick';

export const tickKey = (ws: string, experimentId: string) => `experiment:${ws}:${experimentId}:tick`;
