/**
 * MemorySource over memory_service (contracts section 3). `recent()` uses the cross-type search
 * (`results` is keyed by type; the service lowercases the keys while `searched_types` is
 * UPPERCASE, so both spellings are accepted); `factsBySubject()` uses the subject search.
 */
import { z } from 'zod';
import type { MemoryFact, MemorySource } from '../../domain/platform.js';
import { PlatformError, type PlatformClient } from './client.js';

const text = z.string().nullish();
const num = z.number().nullish();

const memoryRecord = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  content: z.string(),
  importance_score: num,
  confidence: num,
  created_at: text,
  // factual
  subject: text,
  predicate: text,
  object_value: text,
  // episodic
  event_type: text,
  episode_date: text,
});
type MemoryRecord = z.output<typeof memoryRecord>;

const searchResponse = z.object({ results: z.record(z.string(), z.array(memoryRecord)) });
const subjectResponse = z.object({ memories: z.array(memoryRecord), count: z.number().optional() });

/** The service's bounds on `limit` for both routes. */
const clampLimit = (n: number) => Math.min(100, Math.max(1, Math.floor(n)));

export function httpMemorySource(client: PlatformClient): MemorySource {
  return {
    source: 'memory_service',
    async recent(_ws, userId, limit) {
      const r = await orEmpty(
        client.get(
          '/api/v1/memories/search',
          // "*" is not a meaningful vector query, so the similarity threshold is lowered to 0 to
          // get the top `limit` of each type rather than nothing.
          { user_id: userId, query: '*', memory_types: ['factual', 'episodic'], limit: clampLimit(limit), similarity_threshold: 0 },
          searchResponse,
        ),
        { results: {} },
      );
      const facts: MemoryFact[] = [];
      for (const [type, records] of Object.entries(r.results)) {
        const kind = type.toLowerCase();
        if (kind !== 'factual' && kind !== 'episodic') continue;
        for (const rec of records) facts.push(kind === 'factual' ? toFact(rec) : toEpisode(rec));
      }
      // The same order as the embedded source: most important first, then newest.
      facts.sort((a, b) => (b.importance ?? 0) - (a.importance ?? 0) || time(b.created_at) - time(a.created_at));
      return facts.slice(0, limit);
    },
    async factsBySubject(_ws, userId, subject, limit) {
      const r = await orEmpty(
        client.get('/api/v1/memories/factual/search/subject', { user_id: userId, subject, limit: clampLimit(limit) }, subjectResponse),
        { memories: [] },
      );
      return r.memories.slice(0, limit).map(toFact);
    },
    async episodesByType(_ws, userId, eventType, limit) {
      const r = await orEmpty(
        client.get('/api/v1/memories/episodic/search/event_type', { user_id: userId, event_type: eventType, limit: clampLimit(limit) }, subjectResponse),
        { memories: [] },
      );
      return r.memories.slice(0, limit).map(toEpisode);
    },
  };
}

const time = (iso: string | undefined) => (iso ? Date.parse(iso) || 0 : 0);

async function orEmpty<T>(p: Promise<T>, empty: T): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof PlatformError && err.code === 'not_found') return empty;
    throw err;
  }
}

function common(r: MemoryRecord): Pick<MemoryFact, 'id' | 'content' | 'importance' | 'confidence'> {
  return {
    id: r.id,
    content: r.content,
    ...(r.importance_score != null ? { importance: r.importance_score } : {}),
    ...(r.confidence != null ? { confidence: r.confidence } : {}),
  };
}

function toFact(r: MemoryRecord): MemoryFact {
  return {
    ...common(r),
    memory_type: 'factual',
    ...(r.subject ? { subject: r.subject } : {}),
    ...(r.predicate ? { predicate: r.predicate } : {}),
    ...(r.object_value ? { object_value: r.object_value } : {}),
    ...(r.created_at ? { created_at: r.created_at } : {}),
  };
}

function toEpisode(r: MemoryRecord): MemoryFact {
  const at = r.episode_date ?? r.created_at;
  return {
    ...common(r),
    memory_type: 'episodic',
    ...(r.event_type ? { event_type: r.event_type } : {}),
    ...(at ? { created_at: at } : {}),
  };
}
