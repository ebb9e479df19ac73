/**
 * The only place tool, resource and prompt definitions meet the MCP SDK: registration, scope
 * checks, error mapping and the audit log of mutating calls.
 */
import { createHash, randomUUID } from 'node:crypto';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { AppContext, HandlerContext } from '../context.js';
import { DomainError, userFacingMessage } from '../domain/errors.js';
import type { Principal } from '../domain/ports.js';
import type { PromptDef, ResourceTemplateDef, ToolDef } from './define.js';
import { gateAgentCall } from '../agent/gate.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface Registry {
  tools: readonly ToolDef<any, any>[];
  resources: readonly ResourceTemplateDef[];
  prompts: readonly PromptDef<any>[];
}

export const SERVER_INFO = { name: 'agentic-campaign', version: '0.1.0' } as const;

const INSTRUCTIONS = `agentic-campaign runs marketing campaigns: segments, campaigns, delivery, tracking and experiments.
Start with list_campaigns or create_campaign (drafts never send anything). Read campaign://{campaign_id} for a campaign's full state.
Errors say what was wrong and how to fix it; tools that reach real people need an explicit confirmation.`;

/** Which tools this deployment registers: disabled tools are never registered at all. */
export function enabledTools(tools: readonly ToolDef<any, any>[], settings: AppContext['settings']): ToolDef<any, any>[] {
  return tools.filter((t) => {
    if (settings.readOnly && !t.annotations.readOnlyHint) return false;
    if (!settings.sendsEnabled && t.scope === 'send') return false;
    return true;
  });
}

/** A new MCP server for one connection (stdio, one HTTP session, or one in-memory pair). */
export function createMcpServer(app: AppContext, principal: Principal, registry: Registry): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {}, resources: {}, prompts: {}, completions: {}, logging: {} },
    instructions: INSTRUCTIONS,
  });
  const contextFor = (extra: Extra | undefined): HandlerContext => ({
    ...app,
    principal,
    workspaceId: principal.workspaceId,
    signal: extra?.signal ?? new AbortController().signal,
    progress: async (progress, total, message) => {
      const token = extra?._meta?.progressToken;
      if (token === undefined || !extra) return;
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}) },
      });
    },
  });

  for (const tool of enabledTools(registry.tools, app.settings)) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: { title: tool.title, ...tool.annotations },
      },
      ((input: unknown, extra: Extra) => runTool(tool, input, contextFor(extra))) as never,
    );
  }

  for (const res of registry.resources) {
    const complete = res.complete
      ? Object.fromEntries(
          Object.entries(res.complete).map(([name, fn]) => [name, (value: string) => fn(value, contextFor(undefined))]),
        )
      : undefined;
    const template = new ResourceTemplate(res.uriTemplate, {
      list: res.list
        ? async (extra) => ({ resources: await res.list!(contextFor(extra)) })
        : undefined,
      ...(complete ? { complete } : {}),
    });
    server.registerResource(
      res.name,
      template,
      { title: res.title, description: res.description, mimeType: res.mimeType },
      async (uri, vars, extra) => {
        requireScope(principal, 'read', `resource ${res.name}`);
        const flat = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]));
        try {
          return { contents: await res.read(uri, flat, contextFor(extra)) };
        } catch (err) {
          throw toProtocolError(err, app, `resource ${res.name}`);
        }
      },
    );
  }

  for (const prompt of registry.prompts) {
    const args = Object.fromEntries(
      Object.entries(prompt.args).map(([name, schema]) => {
        const fn = prompt.complete?.[name];
        // completable() marks the schema object itself, so each server gets its own copy.
        return [name, fn ? completable((schema as z.ZodType<string>).clone(), (value) => fn(String(value ?? ""), contextFor(undefined))) : schema];
      }),
    );
    server.registerPrompt(
      prompt.name,
      { title: prompt.title, description: prompt.description, argsSchema: args as never },
      (async (input: Record<string, string>, extra: Extra) => {
        let messages;
        try {
          messages = await prompt.build(input as never, contextFor(extra));
        } catch (err) {
          throw toProtocolError(err, app, `prompt ${prompt.name}`);
        }
        return { messages: messages.map((m) => ({ role: m.role, content: { type: 'text' as const, text: m.text } })) };
      }) as never,
    );
  }
  return server;
}

async function runTool(tool: ToolDef<any, any>, input: unknown, ctx: HandlerContext): Promise<CallToolResult> {
  const mutating = !tool.annotations.readOnlyHint;
  const audit = async (result: 'ok' | 'error', output: unknown, detail: Record<string, unknown>) => {
    if (!mutating) return;
    const target = tool.auditTarget?.(input as never, output as never);
    await ctx.store.audit.record({
      workspaceId: ctx.workspaceId,
      actor: ctx.principal.actor,
      action: tool.name,
      ...(target ? { targetType: target.type, ...(target.id ? { targetId: target.id } : {}) } : {}),
      inputDigest: digest(input),
      result,
      detail,
    });
  };

  if (!ctx.principal.scopes.has(tool.scope)) {
    await audit('error', undefined, { code: 'forbidden', missing_scope: tool.scope });
    return errorResult(
      `Forbidden: ${tool.name} needs the '${tool.scope}' scope, which this token does not have. ` +
        `Use a token granted '${tool.scope}' (MCP_HTTP_TOKENS), or call a read-only tool instead`,
    );
  }
  // The campaign agent's mutating calls pass the server's guardrails first.
  let agentAction: string | null = null;
  if (ctx.principal.agent && mutating) {
    const verdict = await gateAgentCall(ctx, tool.name, input as Record<string, unknown>);
    if (verdict.kind !== 'allow') {
      await audit('error', undefined, { code: verdict.kind, message: verdict.message });
      return errorResult(verdict.message);
    }
    agentAction = verdict.actionId;
  }
  try {
    const output = await tool.handler(input as never, ctx);
    if (agentAction) await ctx.store.agent.settleAction(ctx.workspaceId, agentAction, 'executed', output as Record<string, unknown>);
    await audit('ok', output, {});
    const json = { type: 'text' as const, text: JSON.stringify(output) };
    return { content: tool.summary ? [{ type: 'text', text: tool.summary(output as never) }, json] : [json], structuredContent: output as Record<string, unknown> };
  } catch (err) {
    const shown = userFacingMessage(err);
    if (agentAction) await ctx.store.agent.settleAction(ctx.workspaceId, agentAction, 'failed', null, shown ?? 'internal error').catch(() => undefined);
    if (shown !== null) {
      await audit('error', undefined, { code: err instanceof DomainError ? err.code : 'upstream', message: shown });
      return errorResult(shown);
    }
    const ref = randomUUID().slice(0, 8);
    ctx.log.error({ err, tool: tool.name, ref, workspace: ctx.workspaceId }, 'tool handler failed');
    await audit('error', undefined, { code: 'internal', ref }).catch(() => undefined);
    return errorResult(`Internal error in ${tool.name} (ref ${ref}); nothing was reported back. The server log has the details`);
  }
}

function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

function requireScope(principal: Principal, scope: 'read', what: string): void {
  if (!principal.scopes.has(scope)) {
    throw new DomainError('forbidden', `Forbidden: ${what} needs the '${scope}' scope`);
  }
}

function toProtocolError(err: unknown, app: AppContext, what: string): Error {
  const shown = userFacingMessage(err);
  if (shown !== null) return new Error(shown);
  const ref = randomUUID().slice(0, 8);
  app.log.error({ err, what, ref }, 'resource read failed');
  return new Error(`Internal error reading ${what} (ref ${ref})`);
}

/** sha256 of the input's canonical JSON (keys sorted): identifies a call without storing it. */
export function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export { INSTRUCTIONS };
