/**
 * An MCP client connected to a fresh server in the same process over an in-memory transport: how
 * the demo and the agent act, through exactly the protocol any outside client uses.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { AppContext } from '../context.js';
import type { Principal } from '../domain/ports.js';
import { createMcpServer, type Registry } from './create.js';

export interface ToolCallResult {
  isError: boolean;
  text: string;
  structured: Record<string, unknown> | undefined;
}

export interface InProcessClient {
  callTool(name: string, args: Record<string, unknown>): Promise<ToolCallResult>;
  readResource(uri: string): Promise<string>;
  listTools(): Promise<Array<{ name: string; description?: string; inputSchema: unknown }>>;
  /** The underlying SDK client, for tests that exercise the protocol directly. */
  readonly sdk: Client;
  close(): Promise<void>;
}

export async function connectInProcess(app: AppContext, principal: Principal, registry: Registry, clientName = 'in-process'): Promise<InProcessClient> {
  const server = createMcpServer(app, principal, registry);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: clientName, version: '1.0.0' });
  await server.connect(serverSide);
  await client.connect(clientSide);
  return {
    sdk: client,
    async callTool(name, args) {
      const r = await client.callTool({ name, arguments: args });
      const content = (r.content ?? []) as Array<{ type: string; text?: string }>;
      return {
        isError: Boolean(r.isError),
        text: content.map((c) => (c.type === 'text' ? c.text ?? '' : '')).join('\n'),
        structured: r.structuredContent as Record<string, unknown> | undefined,
      };
    },
    async readResource(uri) {
      const r = await client.readResource({ uri });
      return r.contents.map((c) => ('text' in c ? c.text : '')).join('\n');
    },
    async listTools() {
      return (await client.listTools()).tools;
    },
    async close() {
      await client.close();
      await server.close();
    },
  };
}
