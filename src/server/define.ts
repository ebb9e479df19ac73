/**
 * Tools, resources and prompts as plain data. Files in tools/, resources/ and prompts/ export
 * these; only src/server/create.ts turns them into SDK registrations.
 */
import type { z } from 'zod';
import type { HandlerContext } from '../context.js';
import type { Scope } from '../domain/ports.js';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolDef<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  /** What it does, what it does not do, what it returns, when to call it. */
  description: string;
  /** The token scope the call needs. */
  scope: Scope;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  handler(input: z.output<I>, ctx: HandlerContext): Promise<z.output<O>>;
  /** A short human-readable summary (e.g. a table) put before the JSON in the text content. */
  summary?(output: z.output<O>): string;
  /** For the audit log of mutating tools: what the call acted on. */
  auditTarget?(input: z.output<I>, output: z.output<O> | undefined): { type: string; id?: string };
}

export const defineTool = <I extends z.ZodObject, O extends z.ZodObject>(def: ToolDef<I, O>): ToolDef<I, O> => def;

export interface ResourceContent {
  uri: string;
  mimeType: string;
  text: string;
}

export interface ResourceListEntry {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

export interface ResourceTemplateDef {
  name: string;
  title: string;
  description: string;
  /** RFC 6570 template, e.g. `campaign://{campaign_id}`. */
  uriTemplate: string;
  mimeType: string;
  list?(ctx: HandlerContext): Promise<ResourceListEntry[]>;
  complete?: Record<string, (value: string, ctx: HandlerContext) => Promise<string[]>>;
  read(uri: URL, vars: Record<string, string>, ctx: HandlerContext): Promise<ResourceContent[]>;
}

export const defineResource = (def: ResourceTemplateDef): ResourceTemplateDef => def;

export interface PromptMessage {
  role: 'user' | 'assistant';
  text: string;
}

export interface PromptDef<A extends Record<string, z.ZodType<string | undefined>> = Record<string, z.ZodType<string | undefined>>> {
  name: string;
  title: string;
  description: string;
  args: A;
  complete?: Partial<Record<keyof A, (value: string, ctx: HandlerContext) => Promise<string[]>>>;
  build(args: { [K in keyof A]: z.output<A[K]> }, ctx: HandlerContext): Promise<PromptMessage[]>;
}

export const definePrompt = <A extends Record<string, z.ZodType<string | undefined>>>(def: PromptDef<A>): PromptDef<A> => def;
