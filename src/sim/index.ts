/**
 * The campaign simulator, for tests, benchmarks and the demo (never for real sends): a synthetic
 * population with ground truth per person, fed through the real delivery and tracking code on a
 * clock moved by hand, deterministic for a seed.
 *
 *   const population = generatePopulation({ seed: 7, size: 2000, variants: { A: { open: 0.3, click: 0.2 }, B: { open: 0.4, click: 0.2 } } });
 *   const sim = createSimulator({ store: app.store, tracking: app.ctx.tracking, clock }, { workspaceId, population });
 *   await sim.load();
 *   // ... create a campaign over MCP and let a worker send it ...
 *   const r = await sim.engage({ campaignId, until: new Date(clock.now().getTime() + 3 * 86_400_000) });
 */
export { DEFAULT_SIM_START, SimClock, type SettableClock } from './clock.js';
export {
  drawOutcome,
  drawOutcomes,
  pickLink,
  probabilities,
  resolveEngagementOptions,
  type DeliveredMessage,
  type EngagementOptions,
  type MessageOutcome,
} from './engagement.js';
export { createSimulator, type EngageResult, type Expectation, type Simulator, type SimulatorDeps, type SimulatorOptions, type Tally } from './driver.js';
export { localHour } from './local-time.js';
export {
  expectedOrderValue,
  generatePopulation,
  hourFactor,
  hourWeights,
  resolvePopulationOptions,
  type Population,
  type PopulationOptions,
  type ResolvedPopulationOptions,
  type SimUser,
  type UserTruth,
  type VariantRates,
} from './population.js';
export { SIM_ZONES, type SimZone } from './zones.js';
