/**
 * Issue #10's acceptance for the deterministic policy, end to end on the simulator through the
 * real server (src/sim/agent-trials.ts): over seeded runs it rolls out the truly better subject
 * line, and no delivered message breaks consent, suppression, the daily cap, quiet hours or the
 * budget. bench/agent.ts runs more seeds and a closer race.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { silentLogger } from '../../src/log.js';
import { runAgentTrial, type AgentTrialResult } from '../../src/sim/agent-trials.js';
import { tools } from '../../tools/index.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-acceptance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the agent policy on the simulator', () => {
  it('rolls out the truly better variant in every one of 8 seeded runs, breaking no rule', async () => {
    const results: AgentTrialResult[] = [];
    for (let seed = 101; seed <= 108; seed++) {
      results.push(await runAgentTrial({ seed, databaseUrl: join(dir, `t${seed}.db`), registry: { tools, resources, prompts }, log: silentLogger }));
    }
    if (process.env.AGENT_DEBUG) for (const r of results) console.log(JSON.stringify(r));
    // Both keys are the better one in some runs, so a policy that always picks one key fails.
    expect(new Set(results.map((r) => r.better)).size).toBe(2);
    for (const r of results) {
      expect(r.rolledOut).toBe(true);
      expect(r.winner).toBe(r.better);
      expect(r.violations).toEqual({ consent: 0, suppressed: 0, cap: 0, quiet: 0, budget: 0 });
    }
  }, 300_000);
});
