/**
 * Stored message templates: the types and the rules a template must follow to be saved, as pure
 * functions. A template is Liquid (./engine.ts) for one channel; saving it checks the syntax of
 * the subject, body and HTML (with line and column), that every variable it reads is provided
 * (by the person, the campaign or its own `template_vars`) or has a default, and the channel's
 * limits. Every save makes a new version; old versions stay readable.
 */
import { CHANNELS, type Channel } from '../campaign.js';
import { invalidInput } from '../errors.js';
import { CONTEXT_VARIABLES, TEMPLATE_VARIABLES, unknownVariables } from '../personalization/variables.js';
import { checkTemplate, compileTemplate, TEMPLATE_MAX_CHARS, type TemplateKind } from './engine.js';

export const TEMPLATE_CHANNELS = CHANNELS;
export const TEMPLATE_STATUSES = ['active', 'archived'] as const;
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];

export const TEMPLATE_NAME_MAX = 100;
export const TEMPLATE_DESCRIPTION_MAX = 2000;
export const TEMPLATE_SUBJECT_MAX = 250;
export const TEMPLATE_BODY_MAX = TEMPLATE_MAX_CHARS;
export const TEMPLATE_HTML_MAX = TEMPLATE_MAX_CHARS;
export const TEMPLATE_VARS_MAX = 100;
export const TEMPLATE_VAR_VALUE_MAX = 2000;
export const TEMPLATE_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** What one SMS may carry (ten segments), and a push notification's body. */
export const SMS_BODY_MAX = 1600;
export const PUSH_BODY_MAX = 1024;

/** The content a version holds. */
export interface TemplateContent {
  subject?: string;
  body: string;
  html?: string;
  /** Defaults for variables of the template's own, e.g. {"offer": "20% off"}. */
  template_vars: Record<string, string>;
}

export interface Template extends TemplateContent {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  channel: Channel;
  status: TemplateStatus;
  /** 1 when created; every save adds one. */
  version: number;
  /** Root names of the variables the subject, body and HTML read. */
  variables: string[];
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** One saved version: its content, who saved it and when. */
export interface TemplateVersion extends TemplateContent {
  template_id: string;
  version: number;
  created_by: string;
  created_at: string;
}

export interface NewTemplate extends TemplateContent {
  name: string;
  description: string;
  channel: Channel;
}

/** The fields an update changes; absent ones keep their value. `null` removes a subject or HTML. */
export interface TemplatePatch {
  name?: string;
  description?: string;
  subject?: string | null;
  body?: string;
  html?: string | null;
  template_vars?: Record<string, string>;
  status?: TemplateStatus;
}

/** The template with the patch applied (not yet checked). */
export function applyPatch(current: Template, patch: TemplatePatch): NewTemplate & { status: TemplateStatus } {
  const subject = patch.subject === undefined ? current.subject : patch.subject ?? undefined;
  const html = patch.html === undefined ? current.html : patch.html ?? undefined;
  return {
    name: patch.name ?? current.name,
    description: patch.description ?? current.description,
    channel: current.channel,
    ...(subject !== undefined ? { subject } : {}),
    body: patch.body ?? current.body,
    ...(html !== undefined ? { html } : {}),
    template_vars: patch.template_vars ?? current.template_vars,
    status: patch.status ?? current.status,
  };
}

/**
 * Checks a template before it is saved and returns the variables it reads; throws `invalid_input`
 * saying what is wrong and how to fix it.
 */
export function checkNewTemplate(t: NewTemplate): { variables: string[] } {
  checkName(t.name);
  if (t.description.length > TEMPLATE_DESCRIPTION_MAX) {
    throw invalidInput(`description is longer than ${TEMPLATE_DESCRIPTION_MAX} characters`, 'Shorten it');
  }
  checkChannelRules(t);
  checkTemplateVars(t.template_vars);
  return { variables: checkVariables(t) };
}

export function checkName(name: string): void {
  const n = name.trim();
  if (n.length === 0) throw invalidInput('name must not be empty', 'Give the template a short unique name, e.g. "Welcome email"');
  if (n.length > TEMPLATE_NAME_MAX) throw invalidInput(`name is longer than ${TEMPLATE_NAME_MAX} characters`, 'Shorten it');
}

/** Field lengths and what each channel can carry. */
export function checkChannelRules(t: Pick<NewTemplate, 'channel' | 'subject' | 'body' | 'html'>): void {
  if (t.body.length === 0) throw invalidInput('body must not be empty', 'Give the message text');
  if (t.body.length > TEMPLATE_BODY_MAX) {
    throw invalidInput(`body is ${count(t.body.length)} characters long; the limit is ${count(TEMPLATE_BODY_MAX)}`, 'Shorten it');
  }
  if (t.subject !== undefined && t.subject.length > TEMPLATE_SUBJECT_MAX) {
    throw invalidInput(`subject is longer than ${TEMPLATE_SUBJECT_MAX} characters`, 'Shorten it');
  }
  if (t.subject !== undefined && t.subject.trim() === '') throw invalidInput('subject must not be blank', 'Give a subject, or leave it out');
  if (t.html !== undefined && t.html.length > TEMPLATE_HTML_MAX) {
    throw invalidInput(`html is ${count(t.html.length)} characters long; the limit is ${count(TEMPLATE_HTML_MAX)}`, 'Shorten it');
  }
  switch (t.channel) {
    case 'email':
      if (t.subject === undefined) throw invalidInput('an email template needs a subject', 'Add a subject line, e.g. "Welcome, {{ first_name | default: \\"there\\" }}"');
      break;
    case 'sms':
      if (t.html !== undefined) throw invalidInput('an sms template cannot have html: SMS carries plain text only', 'Remove html and keep the text in body');
      if (t.subject !== undefined) throw invalidInput('an sms template cannot have a subject: SMS has no subject line', 'Remove subject; put everything in body');
      if (t.body.length > SMS_BODY_MAX) throw invalidInput(`body is ${t.body.length} characters; SMS allows at most ${SMS_BODY_MAX}`, 'Shorten the body');
      break;
    case 'push':
      if (t.html !== undefined) throw invalidInput('a push template cannot have html: push notifications carry plain text only', 'Remove html; subject is the title and body the text');
      if (t.body.length > PUSH_BODY_MAX) throw invalidInput(`body is ${t.body.length} characters; push allows at most ${PUSH_BODY_MAX}`, 'Shorten the body');
      break;
    case 'in_app':
    case 'webhook':
      break;
  }
}

export function checkTemplateVars(vars: Record<string, string>): void {
  const names = Object.keys(vars);
  if (names.length > TEMPLATE_VARS_MAX) throw invalidInput(`template_vars has ${names.length} entries; at most ${TEMPLATE_VARS_MAX} are allowed`, 'Remove the ones the template does not use');
  for (const name of names) {
    if (!TEMPLATE_VAR_NAME.test(name)) {
      throw invalidInput(`template_vars name '${name}' is not a variable name`, 'Use letters, digits and _ only, starting with a letter or _ (at most 64 characters)');
    }
    const value = vars[name];
    if (typeof value !== 'string' || value.length > TEMPLATE_VAR_VALUE_MAX) {
      throw invalidInput(`template_vars.${name} must be a string of at most ${TEMPLATE_VAR_VALUE_MAX} characters`, 'Shorten the value');
    }
  }
}

/** Syntax of each part, then the variables they read; returns every root name read. */
function checkVariables(t: NewTemplate): string[] {
  const parts: Array<[field: string, source: string | undefined, kind: TemplateKind]> = [
    ['subject', t.subject, 'text'],
    ['body', t.body, 'text'],
    ['html', t.html, 'html'],
  ];
  const used = new Set<string>();
  const unknown = new Map<string, string[]>();
  for (const [field, source, kind] of parts) {
    if (source === undefined) continue;
    const [issue] = checkTemplate(source, kind);
    if (issue) {
      const where = issue.line !== undefined ? ` at line ${issue.line}, column ${issue.col}` : '';
      throw invalidInput(
        `${field} has a template error${where}: ${issue.message.replace(/, line:\d+, col:\d+$/, '')}`,
        'Fix the Liquid syntax: {{ name }} prints a variable, {% if x %}...{% endif %} and {% for x in list %}...{% endfor %} must be closed, filters need a known name (e.g. | default: "there")',
      );
    }
    const compiled = compileTemplate(source, kind);
    for (const v of compiled.variables) used.add(v);
    const defaulted = new Set(compiled.defaulted);
    for (const v of unknownVariables(compiled.variables, t.template_vars)) {
      if (defaulted.has(v)) continue;
      unknown.set(v, [...(unknown.get(v) ?? []), field]);
    }
  }
  if (unknown.size > 0) {
    const list = [...unknown].map(([v, fields]) => `{{ ${v} }} (in ${fields.join(', ')})`).join(', ');
    const first = [...unknown.keys()][0]!;
    throw invalidInput(
      `the template uses ${unknown.size === 1 ? 'a variable' : 'variables'} nothing provides: ${list}. Known variables: ${knownVariablesText()}`,
      `Add ${unknown.size === 1 ? 'it' : 'each'} to template_vars with a default value (e.g. "template_vars": {"${first}": "..."}), or give a default in the template ({{ ${first} | default: "..." }}), or fix the name if it is a typo`,
    );
  }
  return [...used];
}

/** The variables every template may use, for error messages and tool descriptions. */
export function knownVariablesText(): string {
  const objects = Object.keys(CONTEXT_VARIABLES);
  const profile = TEMPLATE_VARIABLES.filter((v) => !objects.includes(v));
  return `${profile.join(', ')} (the person's profile); ${objects.join(', ')} (objects, e.g. user.first_name, subscription.tier, scores.churn_risk)`;
}

const count = (n: number) => n.toLocaleString('en');
