/**
 * What create_template and update_template accept, as zod schemas with per-field messages. The
 * rules that need the whole template (channel limits, Liquid syntax, known variables) are in
 * ./model.ts and run when the template is saved.
 */
import { z } from 'zod';
import {
  TEMPLATE_BODY_MAX,
  TEMPLATE_CHANNELS,
  TEMPLATE_DESCRIPTION_MAX,
  TEMPLATE_HTML_MAX,
  TEMPLATE_NAME_MAX,
  TEMPLATE_STATUSES,
  TEMPLATE_SUBJECT_MAX,
  TEMPLATE_VAR_NAME,
  TEMPLATE_VAR_VALUE_MAX,
  TEMPLATE_VARS_MAX,
} from './model.js';

const count = (n: number) => n.toLocaleString('en');

export const templateIdInput = z
  .string({ error: 'template_id must be a template id such as "tpl_0193..."; call list_templates to find one' })
  .regex(/^tpl_[0-9a-f]{32}$/, { error: 'template_id must look like "tpl_" followed by 32 hex characters; call list_templates to find one' });

export const templateChannelInput = z.enum(TEMPLATE_CHANNELS, { error: `channel must be one of: ${TEMPLATE_CHANNELS.join(', ')}` });
export const templateStatusInput = z.enum(TEMPLATE_STATUSES, { error: `status must be one of: ${TEMPLATE_STATUSES.join(', ')}` });

export const templateNameInput = z
  .string({ error: (i) => (i.input === undefined ? 'name is required: a short name unique in this workspace, e.g. "Welcome email"' : 'name must be a string') })
  .trim()
  .min(1, { error: 'name must not be empty' })
  .max(TEMPLATE_NAME_MAX, { error: `name is longer than ${TEMPLATE_NAME_MAX} characters; shorten it` });

export const templateDescriptionInput = z
  .string({ error: 'description must be a string' })
  .max(TEMPLATE_DESCRIPTION_MAX, { error: `description is longer than ${TEMPLATE_DESCRIPTION_MAX} characters; shorten it` });

export const templateSubjectInput = z
  .string({ error: 'subject must be a string (the email subject, push or in-app title)' })
  .max(TEMPLATE_SUBJECT_MAX, { error: `subject is longer than ${TEMPLATE_SUBJECT_MAX} characters; shorten it` });

export const templateBodyInput = z
  .string({ error: (i) => (i.input === undefined ? 'body is required: the message text (Liquid, e.g. "Hi {{ first_name }}")' : 'body must be a string') })
  .min(1, { error: 'body must not be empty' })
  .max(TEMPLATE_BODY_MAX, { error: `body is longer than ${count(TEMPLATE_BODY_MAX)} characters; shorten it` });

export const templateHtmlInput = z
  .string({ error: 'html must be a string of HTML (Liquid allowed; printed values are escaped)' })
  .max(TEMPLATE_HTML_MAX, { error: `html is longer than ${count(TEMPLATE_HTML_MAX)} characters; shorten it` });

const TEMPLATE_VARS_SHAPE = `template_vars must map variable names (letters, digits, _) to string values of at most ${TEMPLATE_VAR_VALUE_MAX} characters, e.g. {"offer": "20% off"}`;

export const templateVarsInput = z
  .record(
    z.string().regex(TEMPLATE_VAR_NAME, { error: TEMPLATE_VARS_SHAPE }),
    z.string({ error: TEMPLATE_VARS_SHAPE }).max(TEMPLATE_VAR_VALUE_MAX, { error: `template_vars values must be at most ${TEMPLATE_VAR_VALUE_MAX} characters` }),
    { error: TEMPLATE_VARS_SHAPE },
  )
  .refine((v) => Object.keys(v).length <= TEMPLATE_VARS_MAX, { error: `template_vars may hold at most ${TEMPLATE_VARS_MAX} variables` });

export const expectedVersionInput = z
  .number({ error: 'expected_version must be the version number you read, e.g. 3' })
  .int({ error: 'expected_version must be a whole number' })
  .min(1, { error: 'expected_version must be 1 or more' });
