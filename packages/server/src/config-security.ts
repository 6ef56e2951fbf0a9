/**
 * The settings of who may reach the server and what they may do: browser guards and TLS,
 * authentication methods, access rights and the audit log. Part of Config (config.ts), which
 * loads them like every other setting.
 */
import type { AccessPolicy } from './domain/access.ts';

export interface SecurityConfig {
  /** Require X-Requested-By on mutating requests (Livy's CSRF protection). */
  csrfProtection: boolean;
  http: {
    /** Check every JSON response against its declared schema; a mismatch becomes a 500. For tests: it costs a validation per response. */
    checkResponses: boolean;
    /**
     * Host names (besides this server's own, loopback names and IP addresses) a request's Host
     * header may carry: the names clients use behind DNS or a proxy. A leading dot allows
     * subdomains; `*` allows any Host (only behind a proxy that checks Host itself). The check
     * is what defeats DNS rebinding (http/guards).
     */
    allowedHosts: string[];
    /** Web origins (`https://notebook.example.com`) whose pages may call the API from a browser (CORS). */
    allowedOrigins: string[];
    /** Serve HTTPS on the REST port when both files are set (PEM). */
    tls: { certFile: string | null; keyFile: string | null };
    /**
     * How long a client may take to send a whole request (headers and body), and its headers
     * alone: a body that trickles in is cut off with 408 instead of holding a connection for ever.
     * Waiting for the answer (`?wait`, event streams) is not sending, and is not limited by these.
     */
    requestTimeoutMs: number;
    headersTimeoutMs: number;
    /** How often those two are checked: a slow request is cut off between its limit and its limit plus this. */
    timeoutCheckIntervalMs: number;
    /** An idle keep-alive connection is closed after this long. */
    keepAliveTimeoutMs: number;
    /** A connection on which nothing moves either way is closed after this long (never less than limits.maxWaitSeconds plus 30 s); 0: never. */
    socketIdleTimeoutMs: number;
    /** Request line and headers together (431 above it), and the URL alone (414 above it). */
    maxHeaderBytes: number;
    maxUrlBytes: number;
    /** Client connections open at once, in all and from one address (IPv6: one /64); one more is closed as it arrives (http/connection-limit.ts). 0: no limit. */
    maxConnections: number;
    maxConnectionsPerAddress: number;
  };
  /** Who may view and modify others' sessions and batches, and act as whom (domain/access.ts). */
  access: AccessPolicy;
  audit: {
    /** JSON lines of who created, ran, cancelled, stopped or deleted what (mode 600); empty means <dataDir>/audit.log. */
    file: string;
  };
  /**
   * Who is asking (http/auth). With no method configured, authentication is off, which the
   * server allows only on a loopback address unless allowUnauthenticated says otherwise.
   */
  auth: {
    /** Serve without authentication on a non-loopback address: a deliberate choice, never a default. */
    allowUnauthenticated: boolean;
    /** HTTP Basic: an htpasswd file of bcrypt hashes (`htpasswd -B`), re-read when it changes. */
    basic: { htpasswdFile: string | null };
    /** Static bearer tokens: a file of `user:sha256-hex-of-token` lines, re-read when it changes. */
    tokens: { file: string | null };
    /** JWT bearer tokens: keys from jwksFile, or from the OIDC issuer's discovery document; audience required. */
    jwt: { jwksFile: string | null; issuer: string | null; audience: string | string[] | null; userClaim: string; clockSkewSeconds: number };
    /** Kerberos through SPNEGO: the service principal (`HTTP/_HOST@REALM`) and its keytab (http/auth/negotiate.ts). */
    negotiate: { keytab: string | null; principal: string | null };
    /** A trusted proxy's header naming the user, believed only from trustedAddresses (IPs, CIDRs). */
    proxy: { header: string | null; trustedAddresses: string[] };
    /** Failed logins per client address before 429 (0: no limit), and the window they are counted in. */
    rateLimit: { failures: number; windowSeconds: number };
  };
}

export function defaultSecurityConfig(): SecurityConfig {
  return {
    csrfProtection: false,
    http: {
      checkResponses: false, allowedHosts: [], allowedOrigins: [], tls: { certFile: null, keyFile: null },
      requestTimeoutMs: 60_000, headersTimeoutMs: 20_000, timeoutCheckIntervalMs: 1_000, keepAliveTimeoutMs: 72_000,
      socketIdleTimeoutMs: 600_000, maxHeaderBytes: 16 * 1024, maxUrlBytes: 8 * 1024,
      // Node raises its descriptor limit to the hard limit at start (often 2^20); where that leaves
      // less than 10,000 beside drivers' links and files, both are lowered at start (capsFor in
      // http/connection-limit.ts). One address may take a tenth, above limits.longPolls +
      // limits.eventStreams (640), so one busy client still has its long polls and streams.
      maxConnections: 10_000,
      maxConnectionsPerAddress: 1_000,
    },
    access: { superusers: [], viewUsers: [], modifyUsers: [], impersonation: {}, runAsOwner: false },
    audit: { file: '' },
    auth: {
      allowUnauthenticated: false,
      basic: { htpasswdFile: null },
      tokens: { file: null },
      jwt: { jwksFile: null, issuer: null, audience: null, userClaim: 'sub', clockSkewSeconds: 30 },
      negotiate: { keytab: null, principal: null },
      proxy: { header: null, trustedAddresses: [] },
      rateLimit: { failures: 10, windowSeconds: 60 },
    },
  };
}
