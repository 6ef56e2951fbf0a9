/**
 * Which authentication methods a configuration turns on, in the order a request tries them, and
 * the rule that keeps an unauthenticated server on loopback. A new method (SPNEGO, 'negotiate')
 * is one more factory in METHODS.
 */
import type { Config } from '../../config.ts';
import { defaultPlacement, isLocalMaster, proxyUserProblem } from '../../domain/placement.ts';
import { warmPoolSize } from '../../domain/warm-pool.ts';
import { tlsEnabled } from '../tls.ts';
import type { Authenticator } from './authenticator.ts';
import { BasicAuthenticator } from './basic.ts';
import { JwtAuthenticator } from './jwt.ts';
import { NegotiateAuthenticator } from './negotiate.ts';
import { ProxyAuthenticator } from './proxy.ts';
import { TokenAuthenticator } from './tokens.ts';

type Log = (msg: string) => void;
export type MethodFactory = (config: Config, log: Log) => Authenticator | null;

const jwtConfigured = (c: Config) => c.auth.jwt.jwksFile !== null || c.auth.jwt.issuer !== null || c.auth.jwt.audience !== null;

/**
 * The proxy first: a request that came through the trusted proxy is the proxy's word, whatever
 * Authorization header it passes along (oauth2-proxy can forward the user's own token); and a
 * proxy header from anyone else fails before any other credentials are looked at.
 */
export const METHODS: MethodFactory[] = [
  (c) => (c.auth.proxy.header ? new ProxyAuthenticator(c.auth.proxy.header, c.auth.proxy.trustedAddresses) : null),
  (c, log) => (c.auth.basic.htpasswdFile ? new BasicAuthenticator(c.auth.basic.htpasswdFile, log) : null),
  (c, log) => (c.auth.negotiate.keytab ? new NegotiateAuthenticator({ keytab: c.auth.negotiate.keytab, principal: c.auth.negotiate.principal }, log) : null),
  (c, log) => (c.auth.tokens.file ? new TokenAuthenticator(c.auth.tokens.file, log, jwtConfigured(c)) : null),
  (c, log) => (jwtConfigured(c) ? new JwtAuthenticator(c.auth.jwt, log) : null),
];

function checkNumbers(c: Config): void {
  const { failures, windowSeconds } = c.auth.rateLimit;
  if (!Number.isInteger(failures) || failures < 0) throw new Error(`auth.rateLimit.failures must be a whole number ≥ 0 (0: no limit), got ${failures}`);
  if (!(windowSeconds > 0)) throw new Error(`auth.rateLimit.windowSeconds must be > 0, got ${windowSeconds}`);
  if (!(c.auth.jwt.clockSkewSeconds >= 0)) throw new Error(`auth.jwt.clockSkewSeconds must be ≥ 0, got ${c.auth.jwt.clockSkewSeconds}`);
}

/** The configured methods, their files read and checked: throws a startup message for anything wrong. */
export function buildAuthenticators(config: Config, log: Log): Authenticator[] {
  checkNumbers(config);
  return METHODS.map((make) => make(config, log)).filter((a): a is Authenticator => a !== null);
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. Any other name might not be. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Without authentication anyone who reaches the port runs code as this server's user, so the
 * server refuses to listen beyond loopback with no method, unless told explicitly.
 */
export function checkExposure(config: Config, methods: readonly Authenticator[]): void {
  if (methods.length || isLoopbackHost(config.host) || config.auth.allowUnauthenticated) return;
  throw new Error(
    `Refusing to listen on ${config.host} without authentication: anyone who can reach it could run code as this server's user. ` +
    'Configure a method (auth.basic.htpasswdFile, auth.tokens.file, auth.jwt, auth.negotiate.keytab, auth.proxy.header; see README "Deploying for a team"), ' +
    'listen on a loopback address, or set auth.allowUnauthenticated: true (SPARKPORT_AUTH__ALLOW_UNAUTHENTICATED=true) to accept the risk.',
  );
}

/** What `sparkport serve` checks before it opens anything: the methods' settings and files, and checkExposure. */
export async function checkAuthAtStart(config: Config, log: Log): Promise<void> {
  const methods = buildAuthenticators(config, () => undefined);
  checkExposure(config, methods);
  // A method that can check its own set-up (SPNEGO's keytab) says what is wrong now, not at every login.
  for (const m of methods) await (m as { verify?: () => Promise<void> }).verify?.();
  if (!methods.length && !isLoopbackHost(config.host)) {
    log(`WARNING: no authentication on ${config.host} (auth.allowUnauthenticated): anyone who can reach this port can run code as this server's user`);
  }
  if (config.access.runAsOwner) runAsOwnerWarnings(config, methods.length > 0).forEach(log);
  const secrets = sentCredentials(config);
  if (secrets.length && !tlsEnabled(config) && !isLoopbackHost(config.host)) {
    log(
      `WARNING: ${secrets.join(', ')} cross the network in the clear on ${config.host} without TLS: anyone on the path can take them ` +
      'and run code as their users. Set http.tls.certFile and http.tls.keyFile, or serve behind a TLS-terminating proxy on loopback.',
    );
  }
}

/** What access.runAsOwner does not do with these settings, said once at start. */
function runAsOwnerWarnings(c: Config, authOn: boolean): string[] {
  if (!authOn) return ['WARNING: access.runAsOwner is on but no authentication method is: requests have no user, so drivers run as this server\'s user'];
  const out: string[] = [];
  const masters = [c.spark.master, ...c.spark.allowedMasters];
  const clientMode = c.spark.deployMode === 'client' || c.spark.allowedDeployModes.includes('client') || masters.some(isLocalMaster);
  if (clientMode) {
    out.push(
      'WARNING: access.runAsOwner: client-mode drivers run on this machine as this server\'s OS user. Spark and Hadoop see the owner, '
      + 'but session code can read what this server\'s user can, its Kerberos ticket cache included. Only cluster deploy mode on a '
      + 'Kerberized YARN cluster keeps users apart.',
    );
  }
  const placement = defaultPlacement(c);
  const cantHonour = proxyUserProblem(placement);
  if (cantHonour) out.push(`WARNING: access.runAsOwner does nothing on ${placement.master} in ${placement.deployMode} deploy mode: ${cantHonour}`);
  const warm = warmPoolSize(c);
  if (warm > 0) out.push(`WARNING: access.runAsOwner: warm drivers run as this server's user, so no authenticated user's session can take one; sessions.warmDrivers ${warm} only holds memory`);
  return out;
}

/** The methods whose credentials a client sends as they are, readable by whoever sees the request. */
function sentCredentials(c: Config): string[] {
  const out: string[] = [];
  if (c.auth.basic.htpasswdFile) out.push('passwords (auth.basic)');
  if (c.auth.tokens.file) out.push('API tokens (auth.tokens)');
  if (jwtConfigured(c)) out.push('JWTs (auth.jwt)');
  return out;
}
