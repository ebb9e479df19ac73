/**
 * Chooses the segment interpreter: Claude when an API key is configured, else the deterministic
 * grammar. The Claude interpreter (and the Anthropic SDK with it) is loaded only when a key is set.
 */
import type { SegmentInterpreter } from '../../domain/segments/interpret.js';
import { grammarInterpreter } from '../../domain/segments/nl/parse.js';

export interface SegmentInterpreterConfig {
  ANTHROPIC_API_KEY?: string;
  ANTHROPIC_BASE_URL?: string;
  ANTHROPIC_MODEL: string;
}

/** Claude when an API key is configured, else the deterministic grammar. */
export async function createSegmentInterpreter(config: SegmentInterpreterConfig): Promise<SegmentInterpreter> {
  if (!config.ANTHROPIC_API_KEY) return grammarInterpreter;
  const { claudeSegmentInterpreter } = await import('./claude-segment-interpreter.js');
  return claudeSegmentInterpreter({
    apiKey: config.ANTHROPIC_API_KEY,
    model: config.ANTHROPIC_MODEL,
    ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}),
  });
}
