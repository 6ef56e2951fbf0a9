/**
 * Client addresses: as the per-client limits count them (one IPv4 address, or one IPv6 /64), and
 * matched against configured IPs and CIDRs (a trusted proxy's).
 */
import { BlockList, isIP } from 'node:net';

export function normaliseAddress(a: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return m ? m[1]! : a;
}

/**
 * An IPv6 address as its eight 16-bit groups (zone id dropped, a dotted IPv4 tail read as two
 * groups), or null when it is not one.
 */
function ipv6Groups(address: string): number[] | null {
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
 * Whom a per-client limit (failed logins, connections) counts a client as: an IPv4 address as it
 * is (an IPv4-mapped IPv6 one as IPv4), an IPv6 address by its /64, since one host is routinely
 * given a whole /64 and could otherwise spread itself over 2^64 addresses.
 */
export function clientKey(address: string): string {
  const a = normaliseAddress(address);
  if (!a.includes(':')) return a;
  const g = ipv6Groups(a);
  if (!g) return a;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
}

/** IPs and CIDRs (`10.0.0.5`, `10.0.0.0/24`, `::1`, `fd00::/8`) as one matcher; throws naming a bad entry. */
export function addressMatcher(entries: string[], setting: string): (address: string) => boolean {
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const [ip, prefix, ...more] = entry.split('/');
    const family = isIP(ip ?? '');
    const bits = family === 4 ? 32 : 128;
    const n = prefix === undefined ? bits : Number(prefix);
    // An empty prefix (`10.0.0.5/`) would read as /0, every address: a typo must not trust everyone.
    if (!family || more.length || (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) || n > bits) {
      throw new Error(`${setting}: ${JSON.stringify(raw)} is not an IP address or CIDR (e.g. 10.0.0.5, 10.0.0.0/24, fd00::/8)`);
    }
    list.addSubnet(ip!, n, family === 4 ? 'ipv4' : 'ipv6');
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/**
 * Whether a connection comes from the trusted proxy (auth.proxy.trustedAddresses), which is one
 * only while auth.proxy.header is set: the proxy's authentication, the failed-login limiter and
 * the per-address connection cap all ask this one question.
 */
export function trustedProxy(proxy: { header: string | null; trustedAddresses: string[] }): (address: string) => boolean {
  return proxy.header ? addressMatcher(proxy.trustedAddresses, 'auth.proxy.trustedAddresses') : () => false;
}
