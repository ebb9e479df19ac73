/**
 * Compact, HMAC-signed tracking tokens for open-pixel, click-redirect and unsubscribe URLs.
 *
 * A token names only the ledger row (workspace + message) and, for clicks, the link index; the
 * redirect target is looked up server-side, so a token can never be turned into an open redirect.
 *
 * Layout (then base64url, no padding):
 *   [0] version (1)   [1] key id   [2] kind | PACKED flag
 *   click only: uint16 BE link index
 *   workspace id: 1 length byte + UTF-8 (1-64 bytes)
 *   message id: 16 raw bytes when PACKED (`msg_<32 hex>`), else 1 length byte + UTF-8 (1-100 bytes)
 *   MAC: HMAC-SHA256(secret, DOMAIN + all preceding bytes), first 16 bytes
 */
import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TokenKind = 'open' | 'click' | 'unsubscribe';

export interface TokenPayload {
  kind: TokenKind;
  workspaceId: string;
  messageId: string;
  /** click only: 0..65535 */
  link?: number;
}

export interface TrackingKey {
  /** 0..255 */
  id: number;
  secret: Buffer;
  /** Verifies until then (a retired key's grace period end); absent = no end. */
  verifyUntil?: Date;
}

export interface TrackingKeyring {
  signing: TrackingKey;
  /** Every key that verifies, the signing key included. */
  keys: readonly TrackingKey[];
}

/** Longer input is rejected before decoding. The largest valid token is 250 characters. */
export const MAX_TOKEN_CHARS = 400;

const VERSION = 1;
const DOMAIN = Buffer.from('agentic-campaign/track/v1\0', 'utf8');
const MAC_BYTES = 16;
const PACKED = 0x80;
const KINDS: readonly TokenKind[] = ['open', 'click', 'unsubscribe'];
const MAX_WORKSPACE_BYTES = 64;
const MAX_MESSAGE_BYTES = 100;
const PACKABLE_MESSAGE_ID = /^msg_[0-9a-f]{32}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const MIN_SECRET_CHARS = 32;
const ENV = 'TRACKING_SECRETS';

// ---------------------------------------------------------------------------------------------
// Keys

/**
 * Parses `id:secret[:verify-until],...`. The first entry signs; the others only verify (until
 * their verify-until, if given), which is how a secret is rotated without breaking sent mail.
 */
export function parseTrackingKeys(spec: string): TrackingKeyring {
  if (spec.trim() === '') {
    throw new Error(`${ENV} is empty: expected comma-separated entries "id:secret" or "id:secret:verify-until"`);
  }
  const keys: TrackingKey[] = [];
  const entryOfId = new Map<number, number>();
  spec.split(',').forEach((raw, i) => {
    const n = i + 1;
    // Never echo the entry itself: it holds a secret.
    const fail = (why: string): never => {
      throw new Error(`${ENV} entry ${n}: ${why}`);
    };
    const entry = raw.trim();
    if (entry === '') fail('is empty (stray comma?)');

    // The secret may not contain ':', so the first two colons split the entry and the rest (an
    // ISO 8601 instant, which has colons of its own) is the verify-until.
    const c1 = entry.indexOf(':');
    if (c1 < 0) fail('expected "id:secret" or "id:secret:verify-until"');
    const c2 = entry.indexOf(':', c1 + 1);
    const idText = entry.slice(0, c1);
    const secret = c2 < 0 ? entry.slice(c1 + 1) : entry.slice(c1 + 1, c2);
    const untilText = c2 < 0 ? undefined : entry.slice(c2 + 1);

    if (!/^\d{1,3}$/.test(idText) || Number(idText) > 255) fail(`key id must be an integer 0-255, got "${idText}"`);
    const id = Number(idText);
    const seen = entryOfId.get(id);
    if (seen !== undefined) fail(`duplicate key id ${id} (already used by entry ${seen})`);
    if ([...secret].length < MIN_SECRET_CHARS) fail(`secret for key ${id} must be at least ${MIN_SECRET_CHARS} characters`);

    const key: TrackingKey = { id, secret: Buffer.from(secret, 'utf8') };
    if (untilText !== undefined) {
      if (n === 1) fail(`the first entry is the signing key and cannot have a verify-until`);
      key.verifyUntil =
        parseInstant(untilText) ?? fail(`verify-until for key ${id} must be an ISO 8601 instant such as 2027-01-15T00:00:00Z, got "${untilText}"`);
    }
    entryOfId.set(id, n);
    keys.push(key);
  });
  return { signing: keys[0]!, keys };
}

/** A ring of one key that both signs and verifies. */
export function keyringFromSecret(id: number, secret: Buffer): TrackingKeyring {
  if (!Number.isInteger(id) || id < 0 || id > 255) throw new Error(`tracking key id must be an integer 0-255, got ${id}`);
  if (secret.length < MIN_SECRET_CHARS) throw new Error(`tracking secret must be at least ${MIN_SECRET_CHARS} bytes`);
  const key: TrackingKey = { id, secret: Buffer.from(secret) };
  return { signing: key, keys: [key] };
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** A full date-time with an offset; rejects what Date.parse would roll over (Feb 30, 24:00). */
function parseInstant(text: string): Date | null {
  const m = INSTANT.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = Number(m[6] ?? '0');
  if (month < 1 || month > 12) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  if (m[7] !== 'Z' && (Number(m[8]) > 23 || Number(m[9]) > 59)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms);
}

// ---------------------------------------------------------------------------------------------
// Tokens

export function signToken(ring: TrackingKeyring, p: TokenPayload): string {
  const key = ring.signing;
  if (!Number.isInteger(key.id) || key.id < 0 || key.id > 255) throw new Error(`tracking key id must be an integer 0-255, got ${key.id}`);
  const kind = KINDS.indexOf(p.kind);
  if (kind < 0) throw new Error(`unknown tracking token kind: ${String(p.kind)}`);
  if (p.kind === 'click') {
    if (p.link === undefined || !Number.isInteger(p.link) || p.link < 0 || p.link > 0xffff) {
      throw new Error(`click token needs a link index 0-65535, got ${String(p.link)}`);
    }
  } else if (p.link !== undefined) {
    throw new Error(`${p.kind} token cannot carry a link index`);
  }
  const workspace = utf8Field(p.workspaceId, 'workspace id', MAX_WORKSPACE_BYTES);
  const packed = PACKABLE_MESSAGE_ID.test(p.messageId);
  const message = packed ? Buffer.from(p.messageId.slice(4), 'hex') : utf8Field(p.messageId, 'message id', MAX_MESSAGE_BYTES);

  const parts: Buffer[] = [Buffer.from([VERSION, key.id, kind | (packed ? PACKED : 0)])];
  if (p.kind === 'click') {
    const link = Buffer.alloc(2);
    link.writeUInt16BE(p.link!);
    parts.push(link);
  }
  parts.push(Buffer.from([workspace.length]), workspace);
  if (!packed) parts.push(Buffer.from([message.length]));
  parts.push(message);
  const body = Buffer.concat(parts);
  return Buffer.concat([body, mac(key.secret, body)]).toString('base64url');
}

/** The payload of a valid token signed by a key of `ring` still verifying at `now`; otherwise null. */
export function verifyToken(ring: TrackingKeyring, token: string, now: Date): TokenPayload | null {
  try {
    return verify(ring, token, now);
  } catch {
    return null;
  }
}

function verify(ring: TrackingKeyring, token: string, now: Date): TokenPayload | null {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS || !BASE64URL.test(token)) return null;
  const buf = Buffer.from(token, 'base64url');
  // Node's decoder is lenient (ignores stray trailing bits); only the canonical spelling counts.
  if (buf.toString('base64url') !== token) return null;
  if (buf.length < 3 + MAC_BYTES || buf[0] !== VERSION) return null;

  const key = ring.keys.find((k) => k.id === buf[1]);
  if (!key) return null;
  // Written as "not before" so an invalid `now` (NaN) rejects rather than accepts.
  if (key.verifyUntil && !(now.getTime() < key.verifyUntil.getTime())) return null;

  const flags = buf[2]!;
  const kind = KINDS[flags & ~PACKED];
  if (kind === undefined) return null;
  const packed = (flags & PACKED) !== 0;

  const end = buf.length - MAC_BYTES;
  let off = 3;
  let link: number | undefined;
  if (kind === 'click') {
    if (off + 2 > end) return null;
    link = buf.readUInt16BE(off);
    off += 2;
  }
  const wsLen = buf[off++];
  if (wsLen === undefined || wsLen < 1 || wsLen > MAX_WORKSPACE_BYTES || off + wsLen > end) return null;
  const workspace = buf.subarray(off, (off += wsLen));
  let message: Buffer;
  if (packed) {
    if (off + 16 > end) return null;
    message = buf.subarray(off, (off += 16));
  } else {
    const msgLen = buf[off++];
    if (msgLen === undefined || msgLen < 1 || msgLen > MAX_MESSAGE_BYTES || off + msgLen > end) return null;
    message = buf.subarray(off, (off += msgLen));
  }
  if (off !== end) return null;

  const body = buf.subarray(0, end);
  if (!timingSafeEqual(buf.subarray(end), mac(key.secret, body))) return null;

  const workspaceId = decodeUtf8(workspace);
  const messageId = packed ? `msg_${message.toString('hex')}` : decodeUtf8(message);
  // An unpacked id that should have been packed is a second spelling signToken never produces.
  if (workspaceId === null || messageId === null || (!packed && PACKABLE_MESSAGE_ID.test(messageId))) return null;
  return link === undefined ? { kind, workspaceId, messageId } : { kind, workspaceId, messageId, link };
}

function mac(secret: Buffer, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(DOMAIN).update(body).digest().subarray(0, MAC_BYTES);
}

function utf8Field(value: string, what: string, maxBytes: number): Buffer {
  if (typeof value !== 'string' || value === '') throw new Error(`tracking token ${what} is empty`);
  const bytes = Buffer.from(value, 'utf8');
  // Lone surrogates would be silently replaced by U+FFFD and not round-trip.
  if (bytes.toString('utf8') !== value) throw new Error(`tracking token ${what} is not well-formed Unicode`);
  if (bytes.length > maxBytes) throw new Error(`tracking token ${what} is ${bytes.length} bytes, at most ${maxBytes} allowed`);
  return bytes;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(bytes: Buffer): string | null {
  try {
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}
