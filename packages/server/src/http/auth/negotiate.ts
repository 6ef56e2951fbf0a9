/**
 * Kerberos through SPNEGO (RFC 4559, `Authorization: Negotiate <token>`), as Kerberised Livy
 * deployments use it (livy.server.auth.type = kerberos) and sparkmagic's and curl's Kerberos
 * modes speak it. The GSSAPI acceptor step is the system's MIT Kerberos (or macOS's GSS) through
 * the `kerberos` npm package (MongoDB's binding, built from source against libkrb5-dev), run off
 * the event loop. The service's keys come from a keytab (auth.negotiate.keytab); the ticket must
 * be for the configured service principal (auth.negotiate.principal, `HTTP/host@REALM`, `_HOST`
 * standing for this machine's name as in Hadoop, or `*` for any principal in the keytab).
 *
 * The user is the client principal's first component (`alice@REALM` and `alice/admin@REALM` are
 * `alice`, Hadoop's DEFAULT auth_to_local rule), and only principals of the service's own realm
 * are taken: a user of another realm is not silently the same-named user of this one.
 *
 * Mutual authentication: the acceptor's answer token goes back to the client in
 * `WWW-Authenticate: Negotiate <token>` on the response (requests-kerberos, which sparkmagic
 * uses, insists on it by default), through the result's headers, which the auth hook sets on
 * every response of that request, errors included.
 */
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { AuthResult, Authenticator } from './authenticator.ts';
import { authorization, badUserName } from './credentials.ts';

export interface NegotiateSettings {
  /** A keytab holding the service principal's keys, readable by the server's user only. */
  keytab: string;
  /** `HTTP/host@REALM` (Livy's livy.server.auth.kerberos.principal), `HTTP/_HOST@REALM`, or `*`; required. */
  principal: string | null;
}

/** The part of the `kerberos` package used here (its own types are not needed to build without it). */
interface KerberosServer {
  username: string;
  targetName: string;
  response: string;
  contextComplete: boolean;
  step(token: string): Promise<unknown>;
}
export interface KerberosBinding {
  initializeServer(service: string): Promise<KerberosServer>;
}

/** The native binding, loaded only when SPNEGO is configured (it is an optional dependency). */
export function loadKerberos(): KerberosBinding {
  try {
    return createRequire(import.meta.url)('kerberos') as KerberosBinding;
  } catch (e) {
    throw new Error(
      `auth.negotiate needs the 'kerberos' npm package, which did not load (${(e as Error).message.split('\n')[0]}). ` +
      'It builds from source at npm install against the system\'s Kerberos headers: on Debian or Ubuntu ' +
      '`apt-get install libkrb5-dev` (scripts/setup.mjs does), then `npm install` again.',
    );
  }
}

const PRINCIPAL = /^([^/@\s]+)\/([^/@\s]+)@([^/@\s]+)$/;
/** A base64 GSSAPI token; 64 KiB is far beyond a Kerberos ticket with a large PAC. */
const TOKEN = /^[A-Za-z0-9+/]+={0,2}$/;
const MAX_TOKEN = 64 * 1024;

/** `HTTP/_HOST@REALM` with this machine's name, as Hadoop and Livy read it. */
export function resolvePrincipal(principal: string, hostname: string = os.hostname()): string {
  return principal.replace('_HOST', hostname.toLowerCase());
}

/** `name[/instance]@REALM` → its parts, or null. */
function splitPrincipal(p: string): { first: string; realm: string } | null {
  const at = p.lastIndexOf('@');
  if (at <= 0 || at === p.length - 1) return null;
  const first = p.slice(0, at).split('/')[0]!;
  return first ? { first, realm: p.slice(at + 1) } : null;
}

export class NegotiateAuthenticator implements Authenticator {
  readonly name = 'negotiate';
  readonly challenge = 'Negotiate';
  readonly securityScheme = {
    key: 'negotiate',
    scheme: { type: 'http', scheme: 'negotiate', description: 'Kerberos SPNEGO (auth.negotiate.keytab, auth.negotiate.principal)' },
  };
  /** The configured service principal, `_HOST` resolved; null for any principal in the keytab. */
  readonly principal: string | null;
  private readonly realm: string | null;
  /** Answer tokens for mutual authentication, until the response is sent. */

  constructor(settings: NegotiateSettings, private readonly log: (msg: string) => void, private readonly krb: KerberosBinding = loadKerberos()) {
    const keytab = path.resolve(settings.keytab);
    try {
      accessSync(keytab, constants.R_OK);
    } catch (e) {
      throw new Error(`auth.negotiate.keytab ${keytab} cannot be read: ${(e as NodeJS.ErrnoException).code}`);
    }
    if (settings.principal === null) {
      throw new Error('auth.negotiate.principal must be set with auth.negotiate.keytab: HTTP/_HOST@YOUR.REALM (as Livy\'s livy.server.auth.kerberos.principal), or * for any principal in the keytab');
    }
    if (settings.principal === '*') {
      this.principal = null;
      this.realm = null;
    } else {
      const p = resolvePrincipal(settings.principal);
      const m = PRINCIPAL.exec(p);
      if (!m) throw new Error(`auth.negotiate.principal must be service/host@REALM (e.g. HTTP/_HOST@EXAMPLE.COM) or *, got ${JSON.stringify(settings.principal)}`);
      this.principal = p;
      this.realm = m[3]!;
    }
    // The GSSAPI acceptor reads the keytab named by KRB5_KTNAME, a process-wide setting: the
    // configured one wins over whatever the environment said.
    const want = `FILE:${keytab}`;
    const had = process.env.KRB5_KTNAME;
    if (had !== undefined && had !== want) this.log(`auth: negotiate uses the keytab ${keytab} (auth.negotiate.keytab), not KRB5_KTNAME=${had}`);
    process.env.KRB5_KTNAME = want;
  }

  /**
   * Fails when the keytab holds no key for the principal (or is not a keytab): for start-up, so a
   * wrong keytab is a message then rather than every login failing later.
   */
  async verify(): Promise<void> {
    if (!this.principal) return;
    const [service, host] = this.principal.split('@')[0]!.split('/');
    try {
      await this.krb.initializeServer(`${service}@${host}`);
    } catch (e) {
      throw new Error(`auth.negotiate: the keytab (${process.env.KRB5_KTNAME}) cannot serve ${this.principal}: ${(e as Error).message}`);
    }
  }

  async authenticate(req: FastifyRequest): Promise<AuthResult> {
    const token = authorization(req, 'Negotiate');
    if (token === null) return { kind: 'absent' };
    if (!token || token.length > MAX_TOKEN || !TOKEN.test(token)) return { kind: 'failed', reason: 'malformed Negotiate token' };
    // SPNEGO can carry NTLM (a browser off the domain falls back to it); only Kerberos is served.
    if (token.startsWith('TlRMTVNT')) return { kind: 'failed', reason: 'NTLM token in Negotiate: only Kerberos is accepted', tell: 'Only Kerberos is accepted in Negotiate' };
    // No service name: the acceptor takes a ticket for any principal in the keytab, and the
    // principal it was for is compared below (so a keytab shared with other services is safe).
    let ctx: KerberosServer;
    try {
      ctx = await this.krb.initializeServer('');
    } catch (e) {
      return { kind: 'unavailable', reason: `GSSAPI acceptor: ${(e as Error).message}` };
    }
    try {
      await ctx.step(token);
    } catch (e) {
      // Wrong key, expired or replayed ticket, clock skew: all bad credentials, in GSSAPI's words.
      return { kind: 'failed', reason: `GSSAPI: ${(e as Error).message}` };
    }
    if (!ctx.contextComplete) return { kind: 'failed', reason: 'the GSSAPI exchange needs more steps, which HTTP Negotiate does not allow' };
    const client = ctx.username;
    if (this.principal && ctx.targetName !== this.principal) {
      return { kind: 'failed', user: client, reason: `ticket for ${ctx.targetName}, not ${this.principal} (auth.negotiate.principal)` };
    }
    const who = splitPrincipal(client);
    if (!who) return { kind: 'failed', user: client, reason: 'client principal without a realm' };
    const realm = this.realm ?? splitPrincipal(ctx.targetName)?.realm;
    if (who.realm !== realm) return { kind: 'failed', user: client, reason: `client principal of realm ${who.realm}, not the service's realm ${realm}` };
    const bad = badUserName(who.first);
    if (bad) return { kind: 'failed', user: client, reason: bad };
    return { kind: 'user', user: who.first, ...(ctx.response ? { headers: { 'WWW-Authenticate': `Negotiate ${ctx.response}` } } : {}) };
  }
}
