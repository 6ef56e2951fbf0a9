/**
 * Reading credentials off a request, shared by the methods: the Authorization header's scheme
 * and value, and the checks every user name passes (it becomes an owner and appears in logs).
 */
import type { FastifyRequest } from 'fastify';

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

export function normaliseAddress(a: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return m ? m[1]! : a;
}

/**
 * An IPv6 address as its eight 16-bit groups (zone id dropped, a dotted IPv4 tail read as two
 * groups), or null when it is not one.
 */
export function ipv6Groups(address: string): number[] | null {
  let s = address.replace(/%.*$/, '');
  const tail = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (tail) {
    const [a, b, c, d] = tail.slice(2).map(Number) as [number, number, number, number];
    if ([a, b, c, d].some((n) => n > 255)) return null;
    s = `${tail[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const part = (x: string | undefined) => (x ? x.split(':') : []);
  const head = part(halves[0]);
  const rest = part(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (fill < 0) return null;
  const all = [...head, ...Array<string>(fill).fill('0'), ...rest];
  if (all.length !== 8 || !all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  return all.map((g) => parseInt(g, 16));
}

/**
 * Whom the failed-login limiter counts a request against: an IPv4 address as it is (an
 * IPv4-mapped IPv6 one as IPv4), an IPv6 address by its /64, since one host is routinely given a
 * whole /64 and could otherwise spread guesses over 2^64 addresses.
 */
export function limiterKey(address: string): string {
  const a = normaliseAddress(address);
  if (!a.includes(':')) return a;
  const g = ipv6Groups(a);
  if (!g) return a;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
}
