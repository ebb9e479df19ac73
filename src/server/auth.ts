/**
 * HTTP request guards: bearer tokens (constant-time match) and DNS-rebinding protection (the Host
 * and Origin headers must name this server, so a hostile page cannot reach a loopback server
 * through a domain that resolves to 127.0.0.1).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { TokenGrant } from '../config.js';
import type { Principal } from '../domain/ports.js';

export type AuthResult = { ok: true; principal: Principal } | { ok: false; status: 401; message: string };

export function authenticate(header: string | undefined, grants: readonly TokenGrant[], anonymous: Principal | null): AuthResult {
  if (grants.length === 0 && anonymous) return { ok: true, principal: anonymous };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return { ok: false, status: 401, message: 'Missing bearer token: send "Authorization: Bearer <token>"' };
  const presented = hash(match[1]!);
  const grant = grants.find((g) => timingSafeEqual(hash(g.token), presented));
  if (!grant) return { ok: false, status: 401, message: 'Invalid bearer token' };
  return { ok: true, principal: { actor: grant.label, workspaceId: grant.workspaceId, scopes: grant.scopes } };
}

// Comparing fixed-length digests keeps the comparison constant-time whatever the token lengths.
const hash = (s: string) => createHash('sha256').update(s).digest();

export interface OriginPolicy {
  hostnames: ReadonlySet<string>;
  origins: ReadonlySet<string>;
}

export function originPolicy(bindHost: string, extraHosts: string | undefined, extraOrigins: string | undefined): OriginPolicy {
  const hostnames = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
  hostnames.add(bindHost.toLowerCase());
  for (const h of splitList(extraHosts)) hostnames.add(h.toLowerCase());
  return { hostnames, origins: new Set(splitList(extraOrigins)) };
}

/** Returns an error message, or null when the request's Host and Origin are acceptable. */
export function checkHostAndOrigin(host: string | undefined, origin: string | undefined, policy: OriginPolicy): string | null {
  if (!host) return 'Missing Host header';
  if (!policy.hostnames.has(hostnameOf(host))) return `Host '${host}' is not allowed (set MCP_HTTP_ALLOWED_HOSTS)`;
  if (origin && origin !== 'null') {
    if (policy.origins.has(origin)) return null;
    let originHost: string;
    try {
      originHost = new URL(origin).hostname.toLowerCase();
    } catch {
      return 'Malformed Origin header';
    }
    if (!policy.hostnames.has(originHost) && !policy.hostnames.has(`[${originHost}]`)) {
      return `Origin '${origin}' is not allowed (set MCP_HTTP_ALLOWED_ORIGINS)`;
    }
  } else if (origin === 'null') {
    return "Origin 'null' is not allowed";
  }
  return null;
}

function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.replace(/:\d+$/, '');
}

function splitList(s: string | undefined): string[] {
  return (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
}
