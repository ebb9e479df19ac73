/**
 * Journeys and triggered campaigns: creating a journey from a step graph or a template, starting
 * one (activation), and reading its state. A journey is stored as a campaign of type `journey`
 * whose variants are its send steps' messages (so rendering, tracking and per-variant metrics are
 * the Delivery ones), plus a revision of the graph in journey_versions.
 */
import type { HandlerContext } from '../context.js';
import type { Campaign, CampaignDefinition } from '../domain/campaign.js';
import { toDefinition, type CampaignInput } from '../domain/campaign-input.js';
import { variantProblems } from '../domain/delivery/render.js';
import { DomainError, invalidInput, notFound } from '../domain/errors.js';
import type { JourneyDefinition, SendStep } from '../domain/journeys/definition.js';
import { instantiateJourneyTemplate } from '../domain/journeys/templates.js';
import { parseJourney, type ValidatedJourney } from '../domain/journeys/validate.js';
import { activationKey } from '../engine/journeys/runner.js';
import { EVENT_ROOT } from '../engine/journeys/send-step.js';
import { INACTIVITY_JOB, inactivityDays, inactivityKey, type InactivityPayload } from '../engine/journeys/inactivity.js';
import type { Schedule } from '../domain/delivery/schedule.js';

export interface CreateJourneyInput {
  name: string;
  description: string;
  segment_id?: string;
  channels: CampaignInput['channels'];
  goal: CampaignInput['goal'];
  budget_credits?: number;
  agent: CampaignInput['agent'];
  /** Messages send steps may name by variant_key. */
  variants: CampaignInput['variants'];
  journey?: unknown;
  template?: { name: string; params?: unknown };
}

export async function createJourney(ctx: HandlerContext, input: CreateJourneyInput & { campaign_id?: string }): Promise<{ campaign: Campaign; version: number; journey: JourneyDefinition }> {
  if ((input.journey === undefined) === (input.template === undefined)) {
    throw invalidInput('give either journey (a step graph) or template (a named classic flow), not both and not neither', 'e.g. template: {"name": "cart_abandonment", "params": {"delay_minutes": 60}}');
  }
  const validated = input.journey !== undefined ? parseJourney(input.journey) : instantiateJourneyTemplate(input.template!.name, input.template!.params ?? {});
  const existing = input.campaign_id ? await ctx.store.campaigns.get(ctx.workspaceId, input.campaign_id) : null;
  if (input.campaign_id && (!existing || existing.type !== 'journey')) {
    throw notFound('journey', input.campaign_id, 'Call list_campaigns with type journey, or omit campaign_id to create a new journey');
  }
  if (existing && existing.status !== 'draft') return reviseRunning(ctx, existing, validated);
  const { definition, variants } = withStepVariants(validated, input.variants);
  const base = toDefinition(
    {
      name: input.name,
      description: input.description,
      type: 'triggered',
      ...(input.segment_id ? { segment_id: input.segment_id } : {}),
      channels: input.channels,
      variants,
      send_time_optimization: false,
      trigger: definition.entry.trigger,
      goal: input.goal,
      ...(input.budget_credits !== undefined ? { budget_credits: input.budget_credits } : {}),
      agent: input.agent,
    },
    ctx.clock.now(),
  );
  const def: CampaignDefinition = { ...base, type: 'journey' };
  if (def.segment_id && !(await ctx.store.campaigns.segmentExists(ctx.workspaceId, def.segment_id))) {
    throw notFound('segment', def.segment_id, 'Omit segment_id (everyone the trigger enters), or define the segment first');
  }
  for (const v of def.variants) {
    const [problem] = variantProblems(v, [EVENT_ROOT]);
    if (problem) throw invalidInput(`the message of step '${v.name.replace(/^Step /, '')}' ${problem}`, 'Templates are Liquid: use profile variables (first_name, email, tier, ...) or the context objects (user.*, subscription, scores, last_purchase), the triggering event\'s properties under event.* (e.g. {{ event.total }}), with defaults for optional ones');
  }
  const campaign = existing
    ? await ctx.store.campaigns.updateDraft(ctx.workspaceId, existing.id, def, ctx.principal.actor)
    : await ctx.store.campaigns.create(ctx.workspaceId, def, ctx.principal.actor);
  const version = await ctx.store.journeys.saveVersion(ctx.workspaceId, campaign.id, definition, ctx.principal.actor, ctx.clock.now());
  return { campaign, version, journey: definition };
}

/**
 * A new revision of a running (or paused) journey: new entrants take it, users in flight stay on
 * the revision they entered. Its messages are the campaign's variants, which a running campaign
 * keeps, so the new graph may rewire, add or drop steps but must send messages it already has.
 */
async function reviseRunning(ctx: HandlerContext, c: Campaign, validated: ValidatedJourney): Promise<{ campaign: Campaign; version: number; journey: JourneyDefinition }> {
  if (c.status !== 'running' && c.status !== 'paused') {
    throw new DomainError('invalid_transition', `Journey '${c.id}' is '${c.status}' and cannot be revised`, 'Create a new journey');
  }
  const current = c.variants.map((v) => ({ key: v.key, name: v.name, ...(v.subject !== undefined ? { subject: v.subject } : {}), body: v.body, ...(v.html !== undefined ? { html: v.html } : {}), template_vars: v.template_vars }));
  const { definition, variants } = withStepVariants(validated, current);
  for (const v of variants) {
    const had = c.variants.find((x) => x.key === v.key);
    if (!had || had.body !== v.body || had.subject !== v.subject || had.html !== v.html) {
      throw invalidInput(
        `the revision changes or adds the message '${v.key}'; a running journey keeps its messages`,
        `Send existing messages with variant_key (${c.variants.map((x) => x.key).join(', ')}), or create a new journey for new content`,
      );
    }
  }
  const version = await ctx.store.journeys.saveVersion(ctx.workspaceId, c.id, definition, ctx.principal.actor, ctx.clock.now());
  ctx.store.journeys.forget(ctx.workspaceId);
  return { campaign: c, version, journey: definition };
}

/**
 * Gives every send step a campaign variant: inline content becomes a variant keyed after the step,
 * a variant_key must name one of the given variants. Returns the graph with every send step
 * naming its variant, and the variants to store.
 */
function withStepVariants(v: ValidatedJourney, given: CreateJourneyInput['variants']): { definition: JourneyDefinition; variants: CampaignInput['variants'] } {
  const variants = [...given];
  const keys = new Set(variants.map((x, i) => x.key ?? String.fromCharCode(65 + i)));
  variants.forEach((x, i) => (x.key ??= String.fromCharCode(65 + i)));
  const steps: JourneyDefinition['steps'] = {};
  for (const id of v.order) {
    const step = v.definition.steps[id]!;
    if (step.kind !== 'send') {
      steps[id] = step;
      continue;
    }
    if (step.variant_key !== undefined) {
      if (!keys.has(step.variant_key)) {
        throw invalidInput(`step '${id}' sends variant '${step.variant_key}', which is not among variants (${[...keys].join(', ') || 'none given'})`, 'Add the variant to variants, or give the step its own subject and body');
      }
      steps[id] = step;
      continue;
    }
    let key = id.slice(0, 20);
    for (let n = 2; keys.has(key); n++) key = `${id.slice(0, 16)}-${n}`;
    keys.add(key);
    variants.push({
      key,
      name: `Step ${id}`,
      ...(step.subject !== undefined ? { subject: step.subject } : {}),
      body: step.body!,
      ...(step.html !== undefined ? { html: step.html } : {}),
    });
    const named: SendStep = { kind: 'send', variant_key: key, next: step.next, ...(step.channels ? { channels: step.channels } : {}) };
    steps[id] = named;
  }
  if (variants.length > 8) throw invalidInput(`the journey has ${variants.length} messages; a journey holds at most 8`, 'Reuse a variant in several send steps with variant_key, or split the journey');
  return { definition: { ...v.definition, steps }, variants };
}

export interface ActivationOptions {
  respectQuietHours: boolean;
  deadlineHours: number;
}

/**
 * Starts a draft triggered campaign or journey: from now on its trigger enters users. Creates the
 * standing schedule its sends are recorded under (keyed on the campaign, so a repeat is harmless).
 */
export async function activateFlow(ctx: HandlerContext, campaignId: string, o: ActivationOptions): Promise<{ campaign: Campaign; schedule: Schedule; activated: boolean }> {
  const ws = ctx.workspaceId;
  const campaign = await flowCampaign(ctx, campaignId);
  if (campaign.status === 'running') {
    const schedule = await ctx.store.schedules.findByKey(ws, activationKey(campaign.id));
    if (schedule) return { campaign, schedule, activated: false };
  }
  if (campaign.status !== 'draft') {
    const hint = campaign.status === 'paused' ? "Resume it with update_campaign_status action 'resume'" : 'Create a new campaign';
    throw new DomainError('invalid_transition', `Campaign '${campaign.id}' is '${campaign.status}' and cannot be activated`, hint);
  }
  const { schedule } = await ctx.store.schedules.create(
    ws,
    { campaignId: campaign.id, kind: 'trigger', spec: { respect_quiet_hours: o.respectQuietHours, deadline_hours: o.deadlineHours }, idempotencyKey: activationKey(campaign.id), nextRunAt: null },
    ctx.principal.actor,
  );
  let current = await ctx.store.campaigns.get(ws, campaign.id);
  if (current?.status === 'draft') current = await ctx.store.campaigns.transition(ws, campaign.id, 'schedule', ctx.principal.actor, `activation ${schedule.id}`);
  if (current?.status === 'scheduled') current = await ctx.store.campaigns.transition(ws, campaign.id, 'start', ctx.principal.actor, 'activated: events now enter users');
  ctx.store.journeys.forget(ws);
  await startInactivitySweep(ctx, campaign);
  return { campaign: current ?? campaign, schedule, activated: true };
}

/** A flow entered by inactivity (a `days_inactive` condition) gets its hourly sweep, from now. */
async function startInactivitySweep(ctx: HandlerContext, campaign: Campaign): Promise<void> {
  const def = campaign.type === 'journey' ? (await ctx.store.journeys.definition(ctx.workspaceId, campaign.id))?.definition : null;
  const trigger = def?.entry.trigger ?? campaign.trigger;
  const days = trigger ? inactivityDays(trigger) : null;
  if (!trigger || days === null) return;
  const payload: InactivityPayload = { campaignId: campaign.id, eventType: trigger.event_type, days };
  await ctx.store.jobs.enqueue({ workspaceId: ctx.workspaceId, kind: INACTIVITY_JOB, payload, runAt: ctx.clock.now(), dedupeKey: inactivityKey(ctx.workspaceId, campaign.id) });
}

/** The campaign, checked to be a triggered campaign or a journey with a step graph. */
export async function flowCampaign(ctx: HandlerContext, campaignId: string): Promise<Campaign> {
  const campaign = await ctx.store.campaigns.get(ctx.workspaceId, campaignId);
  if (!campaign) throw notFound('campaign', campaignId, 'Call list_campaigns to see the campaigns of this workspace');
  if (campaign.type !== 'triggered' && campaign.type !== 'journey') {
    throw invalidInput(`Campaign '${campaign.id}' is ${campaign.type}; only triggered campaigns and journeys are activated`, 'Send one_time and recurring campaigns with schedule_send');
  }
  if (campaign.type === 'triggered' && !campaign.trigger) throw invalidInput(`Campaign '${campaign.id}' has no trigger`, 'Give it a trigger with create_campaign while it is a draft');
  if (campaign.type === 'journey' && !(await ctx.store.journeys.definition(ctx.workspaceId, campaign.id))) {
    throw invalidInput(`Journey '${campaign.id}' has no step graph`, 'Create it again with create_journey');
  }
  return campaign;
}
