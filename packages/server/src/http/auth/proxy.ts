/**
 * A trusted proxy (Apache Knox, oauth2-proxy, …) authenticates users itself and names them in a
 * header. That header is believed only from the proxy's own addresses, as the socket sees them:
 * X-Forwarded-For is written by whoever sends the request, so it proves nothing. The header from
 * any other address is an attempt to impersonate someone, and fails.
 */
import type { FastifyRequest } from 'fastify';
import { trustedProxy } from '../client-address.ts';
import type { AuthResult, Authenticator } from './authenticator.ts';
import { badUserName, clientAddress } from './credentials.ts';

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
    this.trusted = trustedProxy({ header, trustedAddresses });
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
