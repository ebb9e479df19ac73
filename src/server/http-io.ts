/** JSON in and out of the HTTP listener's routes: a size-limited body reader and a JSON response. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

export type ReadResult = { ok: true; value: unknown } | { ok: false; status: 400 | 413 | 415; message: string };

export async function readJson(req: IncomingMessage, limit: number): Promise<ReadResult> {
  const type = req.headers['content-type'] ?? '';
  if (!type.includes('application/json')) return { ok: false, status: 415, message: 'Content-Type must be application/json' };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return { ok: false, status: 413, message: `Request body larger than ${limit} bytes` };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      return { ok: false, status: 413, message: `Request body larger than ${limit} bytes` };
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, message: 'Request body is not valid JSON' };
  }
}
