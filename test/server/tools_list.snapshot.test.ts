/**
 * Guards every tool's name, description, schemas and annotations: a change to any of them shows
 * up as a diff of test/__toolsnaps__/tools.json and must be accepted deliberately (`vitest -u`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { connect, type Connected } from '../helpers/mcp.js';

describe('tools/list', () => {
  let t: TestApp;
  let mcp: Connected;
  beforeAll(async () => {
    t = await testApp('sqlite');
    mcp = await connect(t.ctx, principal('default'));
  });
  afterAll(async () => {
    await mcp.close();
    await t.dispose();
  });

  it('matches the committed snapshot', async () => {
    const { tools } = await mcp.client.listTools();
    const sorted = [...tools].sort((a, b) => a.name.localeCompare(b.name));
    await expect(JSON.stringify(sorted, null, 2) + '\n').toMatchFileSnapshot('../__toolsnaps__/tools.json');
  });

  it('gives every tool a title, a description, both schemas and all four annotation hints', async () => {
    const { tools } = await mcp.client.listTools();
    for (const tool of tools) {
      expect(tool.title, tool.name).toBeTruthy();
      expect(tool.description!.length, tool.name).toBeGreaterThan(80);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
        expect(typeof tool.annotations?.[hint], `${tool.name}.${hint}`).toBe('boolean');
      }
    }
  });

  it('registers no mutating tool in read-only mode', async () => {
    const ro = await testApp('sqlite', { READ_ONLY: 'true' });
    const c = await connect(ro.ctx, principal('default'));
    try {
      const { tools } = await c.client.listTools();
      expect(tools.map((x) => x.name).sort()).toEqual(["get_metrics", "list_agent_decisions", "list_campaigns", "list_enrollments", "list_platform_templates", "list_scheduled_sends", "list_segment_members", "list_segments", "list_templates", "personalize_message", "preview_segment", "preview_template"]);
      expect(tools.every((x) => x.annotations?.readOnlyHint === true)).toBe(true);
    } finally {
      await c.close();
      await ro.dispose();
    }
  });
});
