import { notFound } from '../src/domain/errors.js';
import type { TemplateVersion } from '../src/domain/templates/model.js';
import { defineResource } from '../src/server/define.js';

const HISTORY_MAX = 100;

export default defineResource({
  name: 'template',
  title: 'Message template',
  description:
    'A message template: its current content (subject, body, HTML, template_vars), channel, status, current version and the variables it reads, then its version history, newest first (version number, when and by whom it was saved, which content fields changed from the version before), up to the latest 100 versions.',
  uriTemplate: 'template://{template_id}',
  mimeType: 'application/json',
  async list(ctx) {
    const page = await ctx.store.templates.list(ctx.workspaceId, { limit: 100 });
    return page.items.map((t) => ({
      uri: `template://${t.id}`,
      name: t.name,
      title: `${t.name} (${t.channel}, v${t.version}${t.status === 'archived' ? ', archived' : ''})`,
      mimeType: 'application/json',
    }));
  },
  complete: {
    template_id: (value, ctx) => ctx.store.templates.completeIds(ctx.workspaceId, value, 20),
  },
  async read(uri, vars, ctx) {
    const id = vars.template_id ?? '';
    const template = await ctx.store.templates.get(ctx.workspaceId, id);
    if (!template) throw notFound('template', id, 'Call list_templates to see the templates of this workspace');
    // One more than shown, so the oldest shown version can say what it changed.
    const versions = await ctx.store.templates.versions(ctx.workspaceId, id, HISTORY_MAX + 1);
    const history = versions.slice(0, HISTORY_MAX).map((v, i) => ({
      version: v.version,
      created_at: v.created_at,
      created_by: v.created_by,
      changed: changedFields(v, versions[i + 1]),
    }));
    const state = {
      template,
      versions: history,
      versions_total: template.version,
      ...(template.version > HISTORY_MAX ? { note: `Only the latest ${HISTORY_MAX} of ${template.version} versions are listed` } : {}),
    };
    return [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(state, null, 2) }];
  },
});

/** Which content fields a version changed from the one before it (all of them for version 1). */
function changedFields(v: TemplateVersion, before: TemplateVersion | undefined): string[] {
  const fields = ['subject', 'body', 'html', 'template_vars'] as const;
  if (!before) return v.version === 1 ? fields.filter((f) => v[f] !== undefined) : [];
  return fields.filter((f) => JSON.stringify(v[f] ?? null) !== JSON.stringify(before[f] ?? null));
}
