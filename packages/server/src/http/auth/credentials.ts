/**
 * Reading credentials off a request, shared by the methods: the Authorization header's scheme
 * and value, and the checks every user name passes (it becomes an owner and appears in logs).
 */
import type { FastifyRequest } from 'fastify';
import { normaliseAddress } from '../client-address.ts';

/** `Authorization: <scheme> <value>`, the scheme compared case-insensitively (RFC 9110). */
export function authorization(req: FastifyRequest, scheme: string): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const sp = h.indexOf(' ');
  if (sp < 0 || h.slice(0, sp).toLowerCase() !== scheme.toLowerCase()) return null;
  return h.slice(sp + 1).trim();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Basic's `user:password`, base64; null when it is not that shape. UTF-8 (RFC 7617, what we ask
 * for with charset="UTF-8"), but bytes that are not UTF-8 are read as Latin-1, which is what
 * Python's requests (under sparkmagic and pylivy) sends for a non-ASCII password.
 */
export function decodeBasic(value: string): { user: string; password: string } | null {
  if (!/^[A-Za-z0-9+/]+=*$/.test(value)) return null;
  const bytes = Buffer.from(value, 'base64');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = bytes.toString('latin1');
  }
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Why a user name is unusable, or null: names are owners and log fields, so no control characters and no sprawl. */
export function badUserName(name: string): string | null {
  if (!name) return 'the user name is empty';
  if (name.length > 256) return 'the user name is longer than 256 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'the user name contains control characters';
  return null;
}

/** A name from a request, safe to put in a log line: quoted, escaped and cut short. */
export function forLog(name: string | undefined): string {
  return name === undefined ? '' : JSON.stringify(name.slice(0, 100));
}

/** The client's address as the socket sees it (never X-Forwarded-For), IPv4-mapped IPv6 unwrapped. */
export function clientAddress(req: FastifyRequest): string {
  return normaliseAddress(req.socket.remoteAddress ?? '');
}

