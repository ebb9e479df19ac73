import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { AppContext } from '../context.js';
import type { Principal } from '../domain/ports.js';
import { createMcpServer, type Registry } from './create.js';

/** Serves MCP on stdin/stdout until the client closes stdin. Nothing else may write to stdout. */
export async function serveStdio(app: AppContext, principal: Principal, registry: Registry): Promise<{ closed: Promise<void> }> {
  const server = createMcpServer(app, principal, registry);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  return { closed };
}
