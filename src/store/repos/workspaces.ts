import type { Clock, WorkspaceRepo } from '../../domain/ports.js';
import type { Executor } from '../executor.js';

export function workspaceRepo(x: Executor, clock: Clock): WorkspaceRepo {
  const w = x.t.workspaces;
  return {
    ensure: (id, name) =>
      x.run(async (db) => {
        await db
          .insert(w)
          .values({ id, name: name ?? id, createdAt: clock.now() })
          .onConflictDoNothing({ target: w.id });
      }),
    listIds: () => x.run(async (db) => (await db.select({ id: w.id }).from(w).orderBy(w.id)).map((r) => r.id)),
  };
}
