#!/usr/bin/env node
/**
 * agentic-campaign <command>: serve (MCP over stdio), http (MCP over Streamable HTTP), migrate,
 * seed. Configuration comes from the environment (see src/config.ts and the README).
 * Only this file writes to stdout, and never under `serve`, where stdout is the protocol.
 */
import { parseArgs } from 'node:util';
import { prompts } from '../prompts/index.js';
import { resources } from '../resources/index.js';
import { tools } from '../tools/index.js';
import { buildApp, localPrincipal } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './log.js';
import type { Registry } from './server/create.js';
import { startHttp } from './server/http.js';
import { serveStdio } from './server/stdio.js';
import { runSeed } from './seed/index.js';
import { startScoreRefresher } from './engine/score-refresher.js';
import { startSendTimeLearner } from './engine/sendtime-learner.js';
import { DEFAULT_REPORT_PATH, runDemo } from './demo/run.js';
import { createAgentRunner } from './agent/loop.js';
import { startAgentLoop } from './agent/scheduler.js';
import { defaultConcurrency, startJobWorker } from './engine/run.js';

const USAGE = `Usage: agentic-campaign <command> [options]

Commands:
  serve                 MCP over stdio (for Claude Desktop and other MCP clients)
  http                  MCP over Streamable HTTP on MCP_HTTP_HOST:MCP_HTTP_PORT/mcp
  worker [options]      run only the job worker (sends); several may share one PostgreSQL database
      --concurrency N     jobs run at once (default 2 on SQLite, 4 on PostgreSQL)
  agent [options]       run the campaign agent loop (a tick every interval_minutes of its settings, and after notable events)
      --workspace W       workspace (default: DEFAULT_WORKSPACE); repeat for several
      --once              run one tick in each workspace, print the decision, and exit
  migrate               apply database migrations and exit
  demo [options]        seed a population and run the end-to-end story through MCP
      --users N           number of users (default 20000)
      --seed S            random seed (default 1)
      --workspace W       workspace (default demo); everything in it is replaced
      --report PATH       where to write the HTML report (default reports/demo-report.html)
      --no-report         write no report
  seed [options]        generate a deterministic synthetic population
      --users N           number of users (default 10000)
      --days D            days of event history (default 90)
      --seed S            random seed (default 1)
      --events-per-user E mean events per user (default 10)
      --workspace W       workspace (default: DEFAULT_WORKSPACE)
      --reset             replace the workspace's existing users and events

Configuration is read from the environment; see the README. DATABASE_URL defaults to ./data/campaign.db.`;

const registry: Registry = { tools, resources, prompts };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  switch (command) {
    case 'serve':
      return serve(config, log);
    case 'http':
      return http(config, log);
    case 'worker':
      return worker(config, log, rest);
    case 'migrate': {
      const app = await buildApp(config, { log });
      await app.close();
      process.stdout.write(`migrations applied to ${app.store.dialect} database\n`);
      return 0;
    }
    case 'seed':
      return seed(config, log, rest);
    case 'demo':
      return demo(config, log, rest);
    case 'agent':
      return agent(config, log, rest);
    default:
      process.stderr.write(`Unknown command '${command}'.\n\n${USAGE}\n`);
      return 2;
  }
}

/** The process's campaign agent: Claude when a key is configured, else the deterministic policy. */
function withAgent(app: Awaited<ReturnType<typeof buildApp>>, config: Config) {
  const claude = config.ANTHROPIC_API_KEY
    ? { apiKey: config.ANTHROPIC_API_KEY, model: config.ANTHROPIC_MODEL, ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}) }
    : null;
  app.ctx.agent = createAgentRunner(app.ctx, registry, claude);
  return app.ctx.agent;
}

/** Workspaces the agent loop of a server looks after: the default one and every token's. */
const agentWorkspaces = (config: Config) => [...new Set([config.DEFAULT_WORKSPACE, ...config.tokens.map((t) => t.workspaceId)])];

async function serve(config: Config, log: ReturnType<typeof createLogger>): Promise<number> {
  const app = await buildApp(config, { log });
  const runner = withAgent(app, config);
  const { closed } = await serveStdio(app.ctx, localPrincipal(config.DEFAULT_WORKSPACE), registry);
  log.info({ dialect: app.store.dialect }, 'serving MCP on stdio');
  const loop = config.AGENT_IN_SERVER ? startAgentLoop(app.ctx, runner, agentWorkspaces(config)) : null;
  const refresher = startScoreRefresher(app.ctx, config.SCORES_REFRESH_HOURS);
  const learner = config.WORKER_ENABLED ? startSendTimeLearner(app.ctx, config.SEND_TIME_LEARN_SECONDS * 1000) : null;
  const jobs = config.WORKER_ENABLED ? startJobWorker(app) : null;
  const events = config.WORKER_ENABLED ? await startDeliveryEvents(config, app, log) : null;
  await closed;
  await loop?.stop();
  refresher.stop();
  learner?.stop();
  await events?.stop();
  await jobs?.stop();
  await app.close();
  return 0;
}

async function worker(config: Config, log: ReturnType<typeof createLogger>, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { concurrency: { type: 'string' } }, strict: true });
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)) {
    throw new UsageError(`--concurrency must be a whole number from 1 to 64 (got '${values.concurrency}')`);
  }
  if (!config.SENDS_ENABLED) throw new UsageError('SENDS_ENABLED is false: this worker would have nothing to run');
  const app = await buildApp(config, { log });
  const jobs = startJobWorker(app, concurrency === undefined ? {} : { concurrency })!;
  const learner = startSendTimeLearner(app.ctx, config.SEND_TIME_LEARN_SECONDS * 1000);
  const events = await startDeliveryEvents(config, app, log);
  log.info({ dialect: app.store.dialect, provider: app.ctx.delivery.provider, concurrency: concurrency ?? defaultConcurrency(app.store.dialect) }, 'job worker running');
  process.stdout.write(`worker running (${app.store.dialect}, ${app.ctx.delivery.provider})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  learner.stop();
  await events?.stop();
  await jobs.stop();
  await app.close();
  return 0;
}

/** With NATS_URL: the notification service's delivery events update the ledger, and the bus's user events feed ingestion (loaded only then). */
async function startDeliveryEvents(config: Config, app: Awaited<ReturnType<typeof buildApp>>, log: ReturnType<typeof createLogger>) {
  if (!config.NATS_URL) return null;
  const { startNotificationEvents } = await import('./platform/nats/notification-events.js');
  const events = await startNotificationEvents({ url: config.NATS_URL, store: app.store, clock: app.ctx.clock, log, durable: `${config.NATS_DURABLE_PREFIX}-notification-events` });
  log.info({ stream: 'notification_service-stream' }, 'consuming notification delivery events');
  const { startEventIntake } = await import('./engine/event-intake.js');
  const intake = await startEventIntake(config, app, log).catch(async (err) => {
    await events.stop();
    throw err;
  });
  return {
    stop: async () => {
      await intake?.stop();
      await events.stop();
    },
  };
}

async function http(config: Config, log: ReturnType<typeof createLogger>): Promise<number> {
  const app = await buildApp(config, { log });
  const runner = withAgent(app, config);
  const running = await startHttp(app.ctx, registry, {
    host: config.MCP_HTTP_HOST,
    port: config.MCP_HTTP_PORT,
    tokens: config.tokens,
    ...(config.MCP_HTTP_ALLOWED_HOSTS ? { allowedHosts: config.MCP_HTTP_ALLOWED_HOSTS } : {}),
    ...(config.MCP_HTTP_ALLOWED_ORIGINS ? { allowedOrigins: config.MCP_HTTP_ALLOWED_ORIGINS } : {}),
    anonymous: localPrincipal(config.DEFAULT_WORKSPACE),
  });
  log.info({ url: running.url, auth: config.tokens.length ? 'bearer' : 'none (loopback only)' }, 'serving MCP over HTTP');
  process.stdout.write(`MCP endpoint: ${running.url}\n`);
  if (app.ctx.tracking) process.stdout.write(`Tracking links: ${app.ctx.tracking.baseUrl}/t/\n`);
  const loop = config.AGENT_IN_SERVER ? startAgentLoop(app.ctx, runner, agentWorkspaces(config)) : null;
  const refresher = startScoreRefresher(app.ctx, config.SCORES_REFRESH_HOURS);
  const learner = config.WORKER_ENABLED ? startSendTimeLearner(app.ctx, config.SEND_TIME_LEARN_SECONDS * 1000) : null;
  const jobs = config.WORKER_ENABLED ? startJobWorker(app) : null;
  const events = config.WORKER_ENABLED ? await startDeliveryEvents(config, app, log) : null;
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await loop?.stop();
  refresher.stop();
  learner?.stop();
  await events?.stop();
  await jobs?.stop();
  await running.close();
  await app.close();
  return 0;
}

async function agent(config: Config, log: ReturnType<typeof createLogger>, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { workspace: { type: 'string', multiple: true }, once: { type: 'boolean', default: false } }, strict: true });
  const workspaces = values.workspace?.length ? values.workspace : [config.DEFAULT_WORKSPACE];
  for (const w of workspaces) if (!/^[A-Za-z0-9_-]{1,64}$/.test(w)) throw new UsageError(`--workspace must be 1-64 letters, digits, _ or - (got '${w}')`);
  const app = await buildApp(config, { log });
  for (const w of workspaces) await app.store.workspaces.ensure(w);
  const runner = withAgent(app, config);
  if (values.once) {
    for (const w of workspaces) {
      const d = await runner.tick(w, 'agent --once');
      process.stdout.write(`${w}: ${d.id} ${d.status} (${d.decider})\n  ${d.rationale}\n`);
      for (const c of d.toolCalls) process.stdout.write(`  ${c.outcome.padEnd(8)} ${c.tool} ${JSON.stringify(c.input).slice(0, 160)}\n`);
    }
    await app.close();
    return 0;
  }
  // The agent's sends still need a worker: run one here unless told not to.
  const jobs = config.WORKER_ENABLED ? startJobWorker(app) : null;
  const loop = startAgentLoop(app.ctx, runner, workspaces);
  process.stdout.write(`agent running for ${workspaces.join(', ')} (${config.ANTHROPIC_API_KEY ? 'Claude' : 'deterministic policy'} unless configure_agent says otherwise)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await loop.stop();
  await jobs?.stop();
  await app.close();
  return 0;
}

async function seed(config: Config, log: ReturnType<typeof createLogger>, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      users: { type: 'string', default: '10000' },
      days: { type: 'string', default: '90' },
      seed: { type: 'string', default: '1' },
      'events-per-user': { type: 'string', default: '10' },
      workspace: { type: 'string' },
      reset: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const num = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max} (got '${raw}')`);
    return n;
  };
  const opts = {
    users: Math.floor(num('users', values.users, 1, 50_000_000)),
    days: Math.floor(num('days', values.days, 1, 3650)),
    seed: Math.floor(num('seed', values.seed, 0, 2 ** 31 - 1)),
    eventsPerUser: num('events-per-user', values['events-per-user'], 0, 1000),
    workspaceId: values.workspace ?? config.DEFAULT_WORKSPACE,
    reset: values.reset,
  };
  const app = await buildApp(config, { log });
  try {
    let lastReport = 0;
    const result = await runSeed(app.store.executor, {
      ...opts,
      onProgress: (p) => {
        if (Date.now() - lastReport < 2000) return;
        lastReport = Date.now();
        process.stderr.write(`  ${p.users.toLocaleString()} users, ${p.events.toLocaleString()} events\n`);
      },
    });
    const secs = result.ms / 1000;
    process.stdout.write(
      `seeded ${result.users.toLocaleString()} users and ${result.events.toLocaleString()} events into workspace '${opts.workspaceId}' ` +
        `(${app.store.dialect}) in ${secs.toFixed(1)} s, ${Math.round((result.users + result.events) / secs).toLocaleString()} rows/s\n`,
    );
    return 0;
  } finally {
    await app.close();
  }
}

async function demo(config: Config, log: ReturnType<typeof createLogger>, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      users: { type: 'string', default: '20000' },
      seed: { type: 'string', default: '1' },
      workspace: { type: 'string', default: 'demo' },
      report: { type: 'string', default: DEFAULT_REPORT_PATH },
      'no-report': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const users = Number(values.users);
  const seedValue = Number(values.seed);
  if (!Number.isInteger(users) || users < 100 || users > 5_000_000) throw new UsageError(`--users must be a whole number from 100 to 5000000 (got '${values.users}')`);
  if (!Number.isInteger(seedValue) || seedValue < 0) throw new UsageError(`--seed must be a whole number (got '${values.seed}')`);
  // The story is the output; operational info logs would interleave with it unless asked for.
  const demoLog = process.env.LOG_LEVEL ? log : createLogger('warn');
  await runDemo(config, demoLog, { users, seed: seedValue, workspaceId: values.workspace, out: process.stdout, report: values['no-report'] ? null : values.report });
  return 0;
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof UsageError || (err instanceof Error && err.name === 'TypeError' && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`agentic-campaign: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
