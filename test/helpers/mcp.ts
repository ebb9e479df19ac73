/** A real MCP client connected to a real server over an in-memory transport pair. */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import type { AppContext } from '../../src/context.js';
import type { Principal } from '../../src/domain/ports.js';
import { connectInProcess } from '../../src/server/in-process.js';
import { tools } from '../../tools/index.js';

export interface Connected {
  client: Client;
  /** Calls a tool; returns the result (errors are results with isError, not throws). */
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  /** Calls a tool that must succeed; returns its structuredContent. */
  ok<T = any>(name: string, args: Record<string, unknown>): Promise<T>;
  /** Calls a tool that must fail; returns its error text. */
  fail(name: string, args: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function connect(app: AppContext, principal: Principal): Promise<Connected> {
  const inProcess = await connectInProcess(app, principal, { tools, resources, prompts }, 'test-client');
  const client = inProcess.sdk;
  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
  return {
    client,
    call,
    ok: async (name, args) => {
      const r = await call(name, args);
      if (r.isError) throw new Error(`${name} failed: ${textOf(r)}`);
      return r.structuredContent as never;
    },
    fail: async (name, args) => {
      const r = await call(name, args);
      if (!r.isError) throw new Error(`${name} unexpectedly succeeded: ${textOf(r)}`);
      return textOf(r);
    },
    close: () => inProcess.close(),
  };
}

export function textOf(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}
