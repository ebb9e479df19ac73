/**
 * The Claude segment interpreter: one forced call of the `emit_segment_rules` tool, its input
 * validated with zod and the rules' checks; an invalid answer gets exactly one retry turn that
 * carries the validation error as an `is_error` tool result. The API key is only ever handed to
 * the SDK: no message, error or log line here contains it.
 */
import type { Message, MessageParam } from '@anthropic-ai/sdk/resources/messages/messages';
import { DomainError } from '../../domain/errors.js';
import { anthropicClient, claudeFailure } from './anthropic.js';
import type { Interpretation, SegmentInterpreter } from '../../domain/segments/interpret.js';
import { assertDescriptionLength } from '../../domain/segments/nl/parse.js';
import { checkToolInput, segmentRulesTool, SYSTEM_PROMPT, TOOL_NAME, userTurn } from './segment-rules-tool.js';

export interface ClaudeSegmentInterpreterOptions {
  apiKey: string;
  baseURL?: string;
  model: string;
  timeoutMs?: number;
  maxTokens?: number;
  /** SDK retries of failed HTTP requests (5xx, connection errors); default 2. */
  maxRetries?: number;
}

const HINT = 'Try again, rephrase the description, or give explicit rules with define_segment';

export function claudeSegmentInterpreter(opts: ClaudeSegmentInterpreterOptions): SegmentInterpreter {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const client = anthropicClient({ apiKey: opts.apiKey, ...(opts.baseURL ? { baseURL: opts.baseURL } : {}), timeoutMs, ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}) });

  async function ask(messages: MessageParam[], signal: AbortSignal | undefined): Promise<Message> {
    try {
      return await client.messages.create(
        {
          model: opts.model,
          max_tokens: opts.maxTokens ?? 4096,
          system: SYSTEM_PROMPT,
          tools: [segmentRulesTool],
          tool_choice: { type: 'tool', name: TOOL_NAME },
          messages,
        },
        { signal },
      );
    } catch (err) {
      throw claudeFailure(err, timeoutMs, HINT);
    }
  }

  return {
    name: 'claude',
    async interpret(description, { signal }): Promise<Interpretation> {
      assertDescriptionLength(description);
      const messages: MessageParam[] = [{ role: 'user', content: userTurn(description) }];
      const first = await ask(messages, signal);
      const firstUse = toolUse(first);
      let checked = firstUse ? checkToolInput(firstUse.input) : ({ ok: false, error: `the answer did not call ${TOOL_NAME}` } as const);
      if (!checked.ok && firstUse) {
        messages.push(
          { role: 'assistant', content: [{ type: 'tool_use', id: firstUse.id, name: firstUse.name, input: firstUse.input }] },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: firstUse.id,
                is_error: true,
                content: `Invalid input for ${TOOL_NAME}: ${checked.error}. Call ${TOOL_NAME} again with corrected input; put any part you cannot express into "unparsed".`,
              },
            ],
          },
        );
        const second = toolUse(await ask(messages, signal));
        checked = second ? checkToolInput(second.input) : { ok: false, error: `the answer did not call ${TOOL_NAME}` };
      }
      if (!checked.ok) {
        throw new DomainError('unavailable', `Claude's answer was invalid${firstUse ? ' twice' : ''}: ${truncate(checked.error, 600)}`, HINT);
      }
      return { ...checked.value, interpreter: 'claude' };
    },
  };
}

function toolUse(message: Message): { id: string; name: string; input: unknown } | undefined {
  for (const block of message.content) {
    if (block.type === 'tool_use' && block.name === TOOL_NAME) return { id: block.id, name: block.name, input: block.input };
  }
  return undefined;
}

/** Maps SDK failures to errors that name the problem but carry no upstream body and no key. */
function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
