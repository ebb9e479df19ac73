/**
 * Rendering a variant for one recipient, through the Liquid engine (../templates/engine.ts):
 * compiled once per variant, rendered per message. The data is the recipient's profile
 * (`user_name`, `first_name`, ... and the same fields under `user`), then the variant's template
 * variables (Liquid globals): a profile value the person has wins over a template variable.
 *
 * A variant naming a variable nothing provides is refused when a send is scheduled
 * (`variantProblems`); a variable that is provided but empty for one person fails that person's
 * message with the variable's name, unless the template gives a default.
 */
import type { Channel } from '../campaign.js';
import { PROFILE_VARIABLES, unknownVariables } from '../personalization/variables.js';
import { compileTemplate, TemplateError, type CompiledTemplate } from '../templates/engine.js';

export { PROFILE_VARIABLES };

export interface RecipientProfile {
  id: string;
  name: string | null;
  email: string | null;
  tier: string;
  country: string | null;
  locale: string;
  timezone: string;
}

export interface VariantContent {
  subject?: string | null;
  body: string;
  html?: string | null;
  template_vars: Record<string, string>;
}

export interface RenderedMessage {
  subject: string | null;
  text: string;
  html: string | null;
}

export interface CompiledVariant {
  subject: CompiledTemplate | null;
  text: CompiledTemplate;
  html: CompiledTemplate | null;
  vars: Record<string, string>;
}

export { TemplateError };

/** Compiles a variant's subject, text and HTML; throws TemplateError naming the field. */
export function compileVariant(v: VariantContent): CompiledVariant {
  const field = (name: string, source: string, kind: 'text' | 'html') => {
    try {
      return compileTemplate(source, kind);
    } catch (err) {
      throw new TemplateError(`${name}: ${(err as Error).message}`);
    }
  };
  return {
    subject: v.subject ? field('subject', v.subject, 'text') : null,
    text: field('body', v.body, 'text'),
    html: v.html ? field('html', v.html, 'html') : null,
    vars: v.template_vars,
  };
}

/** What is wrong with a variant's templates: syntax errors, or variables nothing provides. */
export function variantProblems(v: VariantContent, provided: readonly string[] = []): string[] {
  let compiled: CompiledVariant;
  try {
    compiled = compileVariant(v);
  } catch (err) {
    return [(err as Error).message];
  }
  // A variable printed only with a default works when nothing provides it.
  const required = [compiled.subject, compiled.text, compiled.html].flatMap((t) => (t ? t.variables.filter((x) => !t.defaulted.includes(x)) : []));
  const unknown = unknownVariables(required, v.template_vars).filter((x) => !provided.includes(x));
  return unknown.length ? [`uses variables nothing provides: ${unknown.map((u) => `{{${u}}}`).join(', ')}`] : [];
}

/** The root names a compiled variant reads (subject, text and HTML together). */
export function variablesOf(c: CompiledVariant): string[] {
  return [...new Set([c.subject, c.text, c.html].flatMap((t) => (t ? t.variables : [])))];
}

/** The root names a variant reads, compiling it once per variant object (as renderMessage does). */
export function variantVariables(v: VariantContent): string[] {
  return variablesOf(compiledOf(v));
}

/**
 * Renders a compiled variant for one person; throws TemplateError (with `variable`) when a printed
 * value is missing. `context` adds roots beyond the profile (subscription, scores, memories, ...:
 * see ../personalization/variables.ts); profile names win over it.
 */
export function renderVariant(c: CompiledVariant, p: RecipientProfile, channel: Channel, context?: Record<string, unknown>): RenderedMessage {
  const data = profileData(p);
  if (context) for (const [k, v] of Object.entries(context)) if (!(k in data)) data[k] = v;
  const field = (name: string, t: CompiledTemplate) => {
    try {
      return t.render(data, c.vars);
    } catch (err) {
      const e = err as TemplateError;
      throw new TemplateError(`${name}: ${e.message}`, e.variable);
    }
  };
  return {
    subject: channel === 'sms' || !c.subject ? null : field('subject', c.subject),
    text: field('body', c.text),
    html: channel === 'email' && c.html ? field('html', c.html) : null,
  };
}

const compiled = new WeakMap<VariantContent, CompiledVariant>();

/**
 * Renders a variant for one person, compiling it once per variant object (a campaign read anew
 * compiles anew, so an edited template is never served stale). Throws TemplateError.
 */
export function renderMessage(v: VariantContent, p: RecipientProfile, channel: Channel, context?: Record<string, unknown>): RenderedMessage {
  return renderVariant(compiledOf(v), p, channel, context);
}

function compiledOf(v: VariantContent): CompiledVariant {
  let c = compiled.get(v);
  if (!c) {
    c = compileVariant(v);
    compiled.set(v, c);
  }
  return c;
}

/**
 * The person's values, flat and under `user`; only the ones they have, so a template variable of
 * the same name (read as the fallback) fills in for a missing one.
 */
function profileData(p: RecipientProfile): Record<string, unknown> {
  const data: Record<string, unknown> = { user_id: p.id, tier: p.tier, locale: p.locale, timezone: p.timezone };
  const name = p.name?.trim();
  if (name) {
    data.user_name = name;
    const space = name.search(/\s/);
    data.first_name = space < 0 ? name : name.slice(0, space);
  }
  if (p.email) data.email = p.email;
  if (p.country) data.country = p.country;
  data.user = data;
  return data;
}
