import { and, desc, eq, lt, ne } from 'drizzle-orm';
import type { Channel } from '../../domain/campaign.js';
import { DomainError, notFound } from '../../domain/errors.js';
import type { Clock, Page } from '../../domain/ports.js';
import {
  applyPatch,
  checkNewTemplate,
  type NewTemplate,
  type Template,
  type TemplateContent,
  type TemplateStatus,
  type TemplateVersion,
} from '../../domain/templates/model.js';
import type { TemplateListFilter, TemplateRepo } from '../../domain/templates/repo.js';
import type { Db, Executor } from '../executor.js';
import { newId } from '../ids.js';
import { containsText, startsWith } from '../like.js';

type TemplateRow = typeof import('../schema/sqlite.js').templates.$inferSelect;
type VersionRow = typeof import('../schema/sqlite.js').templateVersions.$inferSelect;

const NOT_FOUND_HINT = 'Call list_templates to see the templates of this workspace';

export function templateRepo(x: Executor, clock: Clock): TemplateRepo {
  const { templates: t, templateVersions: tv } = x.t;

  const byId = (workspaceId: string, id: string) => and(eq(t.workspaceId, workspaceId), eq(t.id, id));

  async function load(db: Db, workspaceId: string, id: string): Promise<Template | null> {
    const [row] = await db.select().from(t).where(byId(workspaceId, id)).limit(1);
    return row ? toTemplate(row) : null;
  }

  async function requireFreeName(db: Db, workspaceId: string, name: string, exceptId?: string): Promise<void> {
    const conds = [eq(t.workspaceId, workspaceId), eq(t.name, name)];
    if (exceptId) conds.push(ne(t.id, exceptId));
    const [existing] = await db.select({ id: t.id }).from(t).where(and(...conds)).limit(1);
    if (existing) throw nameTaken(name, existing.id);
  }

  async function insertVersion(db: Db, workspaceId: string, templateId: string, version: number, c: TemplateContent, actor: string, now: Date) {
    await db.insert(tv).values({
      workspaceId,
      templateId,
      version,
      subject: c.subject ?? null,
      body: c.body,
      html: c.html ?? null,
      templateVars: c.template_vars,
      createdBy: actor,
      createdAt: now,
    });
  }

  return {
    create: (workspaceId, input, actor) =>
      x.tx(async (db) => {
        const clean: NewTemplate = { ...input, name: input.name.trim() };
        const { variables } = checkNewTemplate(clean);
        await requireFreeName(db, workspaceId, clean.name);
        const now = clock.now();
        const id = newId('tpl');
        await uniqueName(clean.name, () =>
          db.insert(t).values({
            workspaceId,
            id,
            name: clean.name,
            description: clean.description,
            channel: clean.channel,
            subject: clean.subject ?? null,
            body: clean.body,
            html: clean.html ?? null,
            templateVars: clean.template_vars,
            status: 'active',
            version: 1,
            variables,
            createdBy: actor,
            createdAt: now,
            updatedAt: now,
          }),
        );
        await insertVersion(db, workspaceId, id, 1, clean, actor, now);
        return (await load(db, workspaceId, id))!;
      }),

    update: (workspaceId, id, patch, actor, expectedVersion) =>
      x.tx(async (db) => {
        const current = await load(db, workspaceId, id);
        if (!current) throw notFound('template', id, NOT_FOUND_HINT);
        if (current.status === 'archived') {
          throw new DomainError(
            'invalid_transition',
            `Template '${id}' is archived; archived templates cannot be changed`,
            'Create a new template (under another name) instead',
          );
        }
        if (expectedVersion !== undefined && expectedVersion !== current.version) {
          throw staleVersion(id, expectedVersion, current.version);
        }
        const next = applyPatch(current, { ...patch, ...(patch.name !== undefined ? { name: patch.name.trim() } : {}) });
        const { variables } = checkNewTemplate(next);
        if (next.name !== current.name) await requireFreeName(db, workspaceId, next.name, id);
        const now = clock.now();
        const version = current.version + 1;
        const updated = await uniqueName(next.name, () =>
          db
            .update(t)
            .set({
              name: next.name,
              description: next.description,
              subject: next.subject ?? null,
              body: next.body,
              html: next.html ?? null,
              templateVars: next.template_vars,
              status: next.status,
              version,
              variables,
              updatedAt: now,
            })
            .where(and(byId(workspaceId, id), eq(t.version, current.version)))
            .returning({ id: t.id }),
        );
        if (updated.length === 0) throw staleVersion(id, current.version, null);
        await insertVersion(db, workspaceId, id, version, next, actor, now);
        return (await load(db, workspaceId, id))!;
      }),

    get: (workspaceId, id) => x.run((db) => load(db, workspaceId, id)),

    getVersion: (workspaceId, id, version) =>
      x.run(async (db) => {
        const [row] = await db
          .select()
          .from(tv)
          .where(and(eq(tv.workspaceId, workspaceId), eq(tv.templateId, id), eq(tv.version, version)))
          .limit(1);
        return row ? toVersion(row) : null;
      }),

    versions: (workspaceId, id, limit) =>
      x.run(async (db) => {
        const rows = await db
          .select()
          .from(tv)
          .where(and(eq(tv.workspaceId, workspaceId), eq(tv.templateId, id)))
          .orderBy(desc(tv.version))
          .limit(limit);
        return rows.map(toVersion);
      }),

    list: (workspaceId, filter) => x.run((db) => listPage(db, workspaceId, filter)),

    completeIds: (workspaceId, prefix, limit) =>
      x.run(async (db) => {
        const rows = await db
          .select({ id: t.id })
          .from(t)
          .where(and(eq(t.workspaceId, workspaceId), startsWith(t.id, prefix)))
          .orderBy(desc(t.id))
          .limit(limit);
        return rows.map((r) => r.id);
      }),
  };

  async function listPage(db: Db, workspaceId: string, f: TemplateListFilter): Promise<Page<Template>> {
    const conds = [eq(t.workspaceId, workspaceId)];
    if (f.channel) conds.push(eq(t.channel, f.channel));
    if (f.status) conds.push(eq(t.status, f.status));
    if (f.search) conds.push(containsText(t.name, f.search));
    if (f.cursor) conds.push(lt(t.id, f.cursor));
    const rows = await db
      .select()
      .from(t)
      .where(and(...conds))
      .orderBy(desc(t.id))
      .limit(f.limit + 1);
    const page = rows.slice(0, f.limit);
    return { items: page.map(toTemplate), next_cursor: rows.length > f.limit ? page[page.length - 1]!.id : null };
  }
}

const nameTaken = (name: string, id?: string) =>
  new DomainError('conflict', `A template named '${name}' already exists${id ? ` (${id})` : ''}`, 'Choose another name, or update the existing template');

function staleVersion(id: string, expected: number, current: number | null): DomainError {
  return new DomainError(
    'conflict',
    current === null
      ? `Template '${id}' changed while it was being updated`
      : `Template '${id}' is at version ${current}, not ${expected} (expected_version)`,
    'Read template://' + id + ' for the current version, apply your change to it, and retry with expected_version set to that version',
  );
}

/** Runs an insert or update, turning a race on the unique name into the same conflict as the check before it. */
async function uniqueName<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(name);
    throw err;
  }
}

/** PostgreSQL's 23505 or SQLite's UNIQUE constraint, possibly wrapped by Drizzle. */
function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE') return true;
  }
  return false;
}

function content(row: TemplateRow | VersionRow): TemplateContent {
  return {
    ...(row.subject !== null ? { subject: row.subject } : {}),
    body: row.body,
    ...(row.html !== null ? { html: row.html } : {}),
    template_vars: row.templateVars,
  };
}

function toTemplate(row: TemplateRow): Template {
  return {
    id: row.id,
    workspace_id: row.workspaceId,
    name: row.name,
    description: row.description,
    channel: row.channel as Channel,
    ...content(row),
    status: row.status as TemplateStatus,
    version: row.version,
    variables: row.variables,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function toVersion(row: VersionRow): TemplateVersion {
  return {
    template_id: row.templateId,
    version: row.version,
    ...content(row),
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
  };
}
