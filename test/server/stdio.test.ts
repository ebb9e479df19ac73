/** `agentic-campaign serve` in another process, driven by a real MCP client over stdio. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_ARGS, ROOT } from '../helpers/cli.js';
import { sqliteDatabase } from '../helpers/db.js';

describe('stdio transport', () => {
  const db = sqliteDatabase();
  afterAll(() => db.drop());

  it('answers initialize, tools/list, tools/call and resources/read, with nothing but protocol on stdout', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [...CLI_ARGS, 'serve'],
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, LOG_LEVEL: 'debug' },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d) => (stderr += d));
    const protocolErrors: Error[] = [];
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    client.onerror = (e) => protocolErrors.push(e);
    await client.connect(transport);
    try {
      expect(client.getServerVersion()).toMatchObject({ name: 'agentic-campaign' });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['create_campaign', 'list_campaigns', 'update_campaign_status']));
      const created = await client.callTool({
        name: 'create_campaign',
        arguments: { name: 'Over stdio', channels: ['email'], variants: [{ subject: 'Hi', body: 'Hello' }] },
      });
      expect(created.isError).toBeFalsy();
      const id = (created.structuredContent as any).campaign.id as string;
      const read = await client.readResource({ uri: `campaign://${id}` });
      expect(JSON.parse((read.contents[0] as { text: string }).text).campaign.name).toBe('Over stdio');
    } finally {
      await client.close();
    }
    expect(protocolErrors).toEqual([]);
    // Logs (including drizzle's and the migration's) went to stderr.
    expect(stderr).toContain('serving MCP on stdio');
  });
});
