/**
 * personalize_message: a template (saved, a campaign variant, or given inline) rendered for one
 * person, and in mode `adapt` rewritten for them within the marketer's limits.
 *
 * adapt with Claude: propose, check (../domain/personalization/guardrails.ts), once more with the
 * reasons if rejected, else the plain render with the reasons recorded. Without a key: the
 * marketer's alternates chosen by the person's stated preferences, checked the same way.
 * Adaptations are cached per (template version, person data digest, brief).
 */
import { createHash } from 'node:crypto';
import { diffWords } from 'diff';
import type { HandlerContext } from '../context.js';
import type { Channel } from '../domain/campaign.js';
import { compileVariant, renderVariant, TemplateError, type VariantContent } from '../domain/delivery/render.js';
import { DomainError, invalidInput, notFound } from '../domain/errors.js';
import { chooseAlternate, normalizeSubject, type AdaptBrief, type Alternate } from '../domain/personalization/adapt.js';
import { checkAdaptation, detectLanguage, type CheckResult, type Copy } from '../domain/personalization/guardrails.js';
import { personData, type MemoryFocus, type PersonData } from './personalization-data.js';

export type PersonalizeSource =
  | { kind: 'template'; templateId: string }
  | { kind: 'variant'; campaignId: string; variantKey: string }
  | { kind: 'inline'; channel: Channel; subject?: string; body: string; html?: string; templateVars?: Record<string, string> };

export interface PersonalizeInput {
  userId: string;
  source: PersonalizeSource;
  /** For a campaign variant: which of the campaign's channels (default its first). */
  channel?: Channel;
  mode: 'render' | 'adapt';
  brief: Omit<AdaptBrief, 'language'> & { language?: string };
  alternates: Alternate[];
  /** Which memories to use (default: the most important and recent). */
  memoryFocus?: MemoryFocus;
  useCache: boolean;
}

export interface PersonalizeResult {
  user_id: string;
  channel: Channel;
  mode: 'render' | 'adapt';
  /** Who wrote the returned copy: the template itself, Claude, or a marketer-written alternate. */
  adapter: 'template' | 'claude' | 'rules';
  subject: string | null;
  text: string;
  html: string | null;
  source: { kind: PersonalizeSource['kind']; template_id?: string; version?: number; campaign_id?: string; variant_key?: string };
  variables_used: string[];
  memories_used: Array<{ id: string; type: string; content: string }>;
  /** adapt: the plain render, the word diff against it, the checks of the copy returned (or of the last rejected one). */
  plain?: Copy;
  diff?: Array<{ field: 'subject' | 'text' | 'html'; changes: Array<{ op: '+' | '-' | '='; text: string }> }>;
  checks?: CheckResult[];
  attempts?: number;
  fallback_reason?: string;
  language?: string;
  cached: boolean;
  note?: string;
}

/** How long an adaptation is reused for unchanged inputs. */
const CACHE_TTL_MS = 7 * 86_400_000;

export async function personalize(ctx: HandlerContext, input: PersonalizeInput): Promise<PersonalizeResult> {
  const { content, channel, source, campaign } = await resolveSource(ctx, input);
  const person = await personData(ctx, input.userId, campaign, input.memoryFocus);
  const compiled = compileChecked(content);
  const plain = renderFor(compiled, person, channel);
  const variablesUsed = [...new Set([compiled.subject, compiled.text, compiled.html].flatMap((t) => (t ? t.variables : [])))].sort();
  const base = { user_id: input.userId, channel, source, variables_used: variablesUsed };
  if (input.mode === 'render') {
    return { ...base, mode: 'render', adapter: 'template', ...plain, memories_used: memoriesRead(person, variablesUsed), cached: false };
  }

  // Unless the marketer names one, the copy stays in the template's language (the person's locale when the text is too short to tell).
  const language = input.brief.language ?? detectLanguage(plain.text) ?? person.profile.locale.split(/[-_]/)[0]!.toLowerCase();
  const brief: AdaptBrief = { ...input.brief, language };
  const cacheKey = createHash('sha256')
    .update(JSON.stringify([source, contentDigest(content), channel, brief, input.alternates, person.digest, ctx.interpreters.copywriter?.name ?? 'rules']))
    .digest('hex');
  const now = ctx.clock.now();
  if (input.useCache) {
    const hit = await ctx.store.personalizationCache.get(ctx.workspaceId, cacheKey, now);
    if (hit) return { ...(hit as unknown as PersonalizeResult), cached: true };
  }
  const adapted = ctx.interpreters.copywriter
    ? await adaptWithModel(ctx, channel, plain, brief, person)
    : adaptWithRules(input.alternates, content, person, channel, plain, brief);
  const result: PersonalizeResult = {
    ...base,
    mode: 'adapt',
    ...adapted,
    plain,
    diff: diffOf(plain, adapted),
    language: brief.language,
    cached: false,
  };
  if (adapted.fallback_reason) ctx.log.info({ user: input.userId, reason: adapted.fallback_reason }, 'personalize_message fell back to the plain render');
  await ctx.store.personalizationCache.put(ctx.workspaceId, {
    cacheKey,
    userId: input.userId,
    templateId: source.template_id ?? null,
    templateVersion: source.version ?? null,
    mode: 'adapt',
    result: result as unknown as Record<string, unknown>,
    createdAt: now,
    expiresAt: new Date(now.getTime() + CACHE_TTL_MS),
  });
  return result;
}

type Adapted = Pick<PersonalizeResult, 'adapter' | 'subject' | 'text' | 'html' | 'checks' | 'attempts' | 'fallback_reason' | 'memories_used' | 'note'>;

async function adaptWithModel(ctx: HandlerContext, channel: Channel, plain: Copy, brief: AdaptBrief, person: PersonData): Promise<Adapted> {
  const writer = ctx.interpreters.copywriter!;
  const memoriesUsed = person.memories.map((m) => ({ id: m.id, type: m.memory_type, content: m.content }));
  // Memories travel in their own block; the rest of what a template could read is the person.
  const { memories: _inTheirOwnBlock, ...context } = person.context;
  const personView = { ...profileView(person), ...context };
  const reasons: string[][] = [];
  let rejected: { candidate: Copy; reasons: string[] } | undefined;
  let lastChecks: CheckResult[] = [];
  for (let attempt = 1; attempt <= 2; attempt++) {
    const candidate = await writer.rewrite(
      { channel, original: plain, brief, person: personView, memories: person.memories, ...(rejected ? { rejected } : {}) },
      { signal: ctx.signal },
    );
    const report = checkAdaptation({ channel, original: plain, candidate, allowedFacts: brief.allowedFacts, language: brief.language });
    lastChecks = report.checks;
    if (report.ok) return { adapter: 'claude', ...candidate, checks: report.checks, attempts: attempt, memories_used: memoriesUsed };
    reasons.push(report.reasons);
    rejected = { candidate, reasons: report.reasons };
  }
  return {
    adapter: 'template',
    ...plain,
    checks: lastChecks,
    attempts: 2,
    fallback_reason: `Claude's rewrite failed the checks twice (1st: ${reasons[0]!.join('; ')}; 2nd: ${reasons[1]!.join('; ')}); the plain render is returned`,
    memories_used: memoriesUsed,
  };
}

function adaptWithRules(
  alternates: Alternate[],
  content: VariantContent,
  person: PersonData,
  channel: Channel,
  plain: Copy,
  brief: AdaptBrief,
): Adapted {
  const preferences = (person.context['preferences'] ?? {}) as Record<string, string>;
  const i = chooseAlternate(alternates, preferences);
  const note = 'No ANTHROPIC_API_KEY is configured: adapt chose among the marketer-written alternates by the person\'s stated preferences, without a model';
  if (i < 0) {
    return { adapter: 'template', ...plain, checks: [], attempts: 0, memories_used: [], note: `${note}; none matched, so the plain render is returned` };
  }
  const alt = alternates[i]!;
  const altCompiled = compileChecked({
    subject: alt.subject ?? content.subject ?? null,
    body: alt.body ?? content.body,
    html: alt.html ?? content.html ?? null,
    template_vars: content.template_vars,
  });
  const candidate = renderFor(altCompiled, person, channel);
  const report = checkAdaptation({ channel, original: plain, candidate, allowedFacts: brief.allowedFacts, language: brief.language });
  const wanted = normalizeSubject(alt.when.preference);
  const fact = person.memories.find((m) => m.memory_type === 'factual' && m.subject && normalizeSubject(m.subject) === wanted);
  const memoriesUsed = fact ? [{ id: fact.id, type: fact.memory_type, content: fact.content }] : [];
  if (!report.ok) {
    return {
      adapter: 'template',
      ...plain,
      checks: report.checks,
      attempts: 1,
      fallback_reason: `alternate ${i + 1} failed the checks (${report.reasons.join('; ')}); the plain render is returned`,
      memories_used: memoriesUsed,
      note,
    };
  }
  return { adapter: 'rules', ...candidate, checks: report.checks, attempts: 1, memories_used: memoriesUsed, note: `${note}; alternate ${i + 1} matched` };
}

async function resolveSource(
  ctx: HandlerContext,
  input: PersonalizeInput,
): Promise<{ content: VariantContent; channel: Channel; source: PersonalizeResult['source']; campaign?: { id: string; name: string } }> {
  const s = input.source;
  if (s.kind === 'inline') {
    return {
      content: { subject: s.subject ?? null, body: s.body, html: s.html ?? null, template_vars: s.templateVars ?? {} },
      channel: s.channel,
      source: { kind: 'inline' },
    };
  }
  if (s.kind === 'template') {
    const t = await ctx.store.templates.get(ctx.workspaceId, s.templateId);
    if (!t) throw notFound('template', s.templateId, 'Call list_templates to see the templates of this workspace');
    return {
      content: { subject: t.subject, body: t.body, html: t.html, template_vars: t.template_vars },
      channel: t.channel,
      source: { kind: 'template', template_id: t.id, version: t.version },
    };
  }
  const campaign = await ctx.store.campaigns.get(ctx.workspaceId, s.campaignId);
  if (!campaign) throw notFound('campaign', s.campaignId, 'Call list_campaigns to see the campaigns of this workspace');
  const variant = campaign.variants.find((v) => v.key === s.variantKey);
  if (!variant) throw invalidInput(`Campaign '${campaign.id}' has no variant '${s.variantKey}'`, `Its variants are: ${campaign.variants.map((v) => v.key).join(', ')}`);
  const channel = input.channel ?? campaign.channels[0]!;
  if (!campaign.channels.includes(channel)) throw invalidInput(`Campaign '${campaign.id}' does not send on ${channel}`, `Its channels are: ${campaign.channels.join(', ')}`);
  return { content: variant, channel, source: { kind: 'variant', campaign_id: campaign.id, variant_key: variant.key }, campaign: { id: campaign.id, name: campaign.name } };
}

function compileChecked(content: VariantContent): ReturnType<typeof compileVariant> {
  try {
    return compileVariant(content);
  } catch (err) {
    if (err instanceof TemplateError) throw invalidInput(`The template does not compile: ${err.message}`, 'Fix the Liquid syntax at the line and column given');
    throw err;
  }
}

function renderFor(compiled: ReturnType<typeof compileVariant>, person: PersonData, channel: Channel): Copy {
  try {
    return renderVariant(compiled, person.profile, channel, person.context);
  } catch (err) {
    if (err instanceof TemplateError) {
      throw new DomainError(
        'invalid_input',
        `The template cannot be rendered for '${person.profile.id}': ${err.message}`,
        err.variable ? `This person has no ${err.variable}: give it a default, e.g. {{ ${err.variable} | default: "..." }}` : 'Check the template',
      );
    }
    throw err;
  }
}

/** The memories a render read: all of them for `memories`, the facts behind `preferences` otherwise. */
function memoriesRead(person: PersonData, variables: string[]): PersonalizeResult['memories_used'] {
  const facts = variables.includes('memories')
    ? person.memories
    : variables.includes('preferences')
      ? person.memories.filter((m) => m.memory_type === 'factual' && m.subject && m.object_value)
      : [];
  return facts.map((m) => ({ id: m.id, type: m.memory_type, content: m.content }));
}

function profileView(p: PersonData): Record<string, unknown> {
  const { id, name, tier, country, locale, timezone } = p.profile;
  return { user_id: id, name, tier, country, locale, timezone };
}

function diffOf(plain: Copy, adapted: Copy): PersonalizeResult['diff'] {
  const fields = ['subject', 'text', 'html'] as const;
  return fields
    .filter((f) => plain[f] !== null || adapted[f] !== null)
    .map((field) => ({
      field,
      changes: diffWords(plain[field] ?? '', adapted[field] ?? '').map((c) => ({ op: c.added ? ('+' as const) : c.removed ? ('-' as const) : ('=' as const), text: c.value })),
    }));
}

function contentDigest(c: VariantContent): string {
  return createHash('sha256').update(JSON.stringify([c.subject ?? null, c.body, c.html ?? null, c.template_vars])).digest('hex');
}
