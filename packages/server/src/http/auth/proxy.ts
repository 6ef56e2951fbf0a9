/**
 * A trusted proxy (Apache Knox, oauth2-proxy, …) authenticates users itself and names them in a
 * header. That header is believed only from the proxy's own addresses, as the socket sees them:
 * X-Forwarded-For is written by whoever sends the request, so it proves nothing. The header from
 * any other address is an attempt to impersonate someone, and fails.
 */
import { BlockList, isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { AuthResult, Authenticator } from './authenticator.ts';
import { badUserName, clientAddress } from './credentials.ts';

/** IPs and CIDRs (`10.0.0.5`, `10.0.0.0/24`, `::1`, `fd00::/8`) as one matcher; throws naming a bad entry. */
export function addressMatcher(entries: string[], setting: string): (address: string) => boolean {
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const [ip, prefix, ...more] = entry.split('/');
    const family = isIP(ip ?? '');
    const bits = family === 4 ? 32 : 128;
    const n = prefix === undefined ? bits : Number(prefix);
    if (!family || more.length || !/^\d*$/.test(prefix ?? '') || !Number.isInteger(n) || n < 0 || n > bits) {
      throw new Error(`${setting}: ${JSON.stringify(raw)} is not an IP address or CIDR (e.g. 10.0.0.5, 10.0.0.0/24, fd00::/8)`);
    }
    list.addSubnet(ip!, n, family === 4 ? 'ipv4' : 'ipv6');
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

export class ProxyAuthenticator implements Authenticator {
  readonly name = 'proxy';
  readonly securityScheme: Authenticator['securityScheme'];
  private readonly header: string;
  private readonly trusted: (address: string) => boolean;

  constructor(header: string, trustedAddresses: string[]) {
    if (!/^[A-Za-z0-9-]+$/.test(header)) throw new Error(`auth.proxy.header must be a header name, got ${JSON.stringify(header)}`);
    if (/^(authorization|host|cookie|content-type)$/i.test(header)) throw new Error(`auth.proxy.header cannot be ${header}`);
    if (!trustedAddresses.length) throw new Error('auth.proxy.trustedAddresses must list the proxy\'s addresses (IPs or CIDRs) when auth.proxy.header is set');
    this.header = header.toLowerCase();
    this.trusted = addressMatcher(trustedAddresses, 'auth.proxy.trustedAddresses');
    this.securityScheme = {
      key: 'proxy',
      scheme: { type: 'apiKey', in: 'header', name: header, description: 'Set by the trusted proxy (auth.proxy.trustedAddresses) only' },
    };
  }

  async authenticate(req: FastifyRequest): Promise<AuthResult> {
    const value = req.headers[this.header];
    if (value === undefined) return { kind: 'absent' };
    const claimed = Array.isArray(value) ? value[0] : value;
    const from = clientAddress(req);
    if (!this.trusted(from)) {
      return {
        kind: 'failed', user: claimed, reason: `${this.header} header from ${from}, which is not a trusted proxy address`,
        tell: `The ${this.header} header is accepted only from the configured proxy (auth.proxy.trustedAddresses)`,
      };
    }
    if (Array.isArray(value)) return { kind: 'failed', reason: `the proxy sent ${this.header} more than once` };
    const bad = badUserName(value.trim());
    if (bad) return { kind: 'failed', user: value, reason: `the proxy's ${this.header}: ${bad}` };
    return { kind: 'user', user: value.trim() };
  }
}
