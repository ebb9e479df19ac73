import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseTokens } from '../src/config.js';
import { parseDatabaseUrl } from '../src/store/open.js';

describe('configuration', () => {
  it('has working defaults for the embedded mode', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      DATABASE_URL: './data/campaign.db',
      MCP_HTTP_HOST: '127.0.0.1',
      MCP_HTTP_PORT: 8790,
      DEFAULT_WORKSPACE: 'default',
      SENDS_ENABLED: true,
      READ_ONLY: false,
      tokens: [],
    });
    expect(c.NOTIFICATION_SERVICE_URL).toBeUndefined();
  });

  it('fails fast naming each bad variable', () => {
    const run = () => loadConfig({ MCP_HTTP_PORT: 'eighty', NOTIFICATION_SERVICE_URL: 'not a url', READ_ONLY: 'maybe', NATS_URL: 'http://x' });
    expect(run).toThrow(ConfigError);
    const message = (() => {
      try {
        run();
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(message).toContain('MCP_HTTP_PORT: expected a port number');
    expect(message).toContain('NOTIFICATION_SERVICE_URL: expected an http(s) URL');
    expect(message).toContain('READ_ONLY: expected true or false');
    expect(message).toContain('NATS_URL: expected a nats:// URL');
  });

  it('reads the NATS event settings, naming a bad one', () => {
    expect(loadConfig({})).toMatchObject({ NATS_PLATFORM_EVENTS: true, NATS_DURABLE_PREFIX: 'agentic-campaign' });
    expect(loadConfig({ NATS_EVENT_SUBJECTS: 'app.events.>,shop.*', NATS_DURABLE_PREFIX: 'staging_1', NATS_EVENTS_WORKSPACE: 'acme' })).toMatchObject({
      NATS_EVENT_SUBJECTS: 'app.events.>,shop.*',
      NATS_DURABLE_PREFIX: 'staging_1',
      NATS_EVENTS_WORKSPACE: 'acme',
    });
    expect(() => loadConfig({ NATS_EVENT_SUBJECTS: 'has space' })).toThrow(/NATS_EVENT_SUBJECTS: expected comma-separated NATS subjects/);
    expect(() => loadConfig({ NATS_DURABLE_PREFIX: 'a.b' })).toThrow(/NATS_DURABLE_PREFIX: expected 1-60 letters/);
  });

  it('never echoes a secret in an error', () => {
    try {
      loadConfig({ MCP_HTTP_TOKENS: 'tok-very-secret=admin' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toContain("unknown scope 'admin'");
      expect((e as Error).message).not.toContain('tok-very-secret');
    }
  });

  it('parses tokens with scopes and workspaces', () => {
    const grants = parseTokens('s3cret=read,write,send;viewer=read@acme', 'default');
    expect(grants.map((g) => [g.label, g.token, [...g.scopes], g.workspaceId])).toEqual([
      ['token#1', 's3cret', ['read', 'write', 'send'], 'default'],
      ['token#2', 'viewer', ['read'], 'acme'],
    ]);
    expect(() => parseTokens('noscope', 'default')).toThrow(/must look like token=read,write/);
    expect(() => parseTokens('a=', 'default')).toThrow(/grants no scope/);
    expect(() => parseTokens('a=read;a=write', 'default')).toThrow(/repeats a token/);
    expect(() => parseTokens('a=read@bad workspace', 'default')).toThrow(/invalid workspace/);
  });

  it('selects the dialect from DATABASE_URL', () => {
    expect(parseDatabaseUrl('postgres://u@h:5432/db')).toEqual({ dialect: 'postgres', url: 'postgres://u@h:5432/db' });
    expect(parseDatabaseUrl('postgresql://h/db').dialect).toBe('postgres');
    expect(parseDatabaseUrl('./data/x.db')).toEqual({ dialect: 'sqlite', path: './data/x.db' });
    expect(parseDatabaseUrl('file:./data/x.db')).toEqual({ dialect: 'sqlite', path: './data/x.db' });
    expect(parseDatabaseUrl('file:///tmp/x.db')).toEqual({ dialect: 'sqlite', path: '/tmp/x.db' });
  });
});
