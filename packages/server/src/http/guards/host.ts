/**
 * The Host rule, against DNS rebinding: a page on evil.example can make its own name resolve to
 * 127.0.0.1 and then call this server "same-origin", with Host: evil.example. So the name in
 * Host must be one this server answers to. Ports are ignored: an attacker controls names, not
 * ports, and ports legitimately differ behind port forwarding (docker -p, ssh -L, a proxy).
 */
import net from 'node:net';
import type { Config } from '../../config.ts';

/** The host name of a Host header value, lowercased, without port or trailing dot; null if it is not one. */
export function hostName(header: string): string | null {
  // Only a name and a port: anything URL syntax would read as user info, path or query is refused.
  if (!header || /[\s@/\\?#%]/.test(header)) return null;
  try {
    const u = new URL(`http://${header}`);
    // The URL parser also normalises numeric IPv4 forms (0x7f.1 is 127.0.0.1).
    return u.hostname.replace(/\.$/, '') || null;
  } catch {
    return null;
  }
}

/** An IP address written out (IPv6 in brackets, as in Host). */
export function isIpLiteral(name: string): boolean {
  return net.isIP(name.replace(/^\[(.*)\]$/, '$1')) !== 0;
}

const WILDCARD_BINDS = new Set(['', '0.0.0.0', '::', '[::]']);

function bindsLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return WILDCARD_BINDS.has(host) || h === 'localhost' || h === '::1' || (net.isIPv4(h) && h.startsWith('127.'));
}

export interface HostRule {
  /** Whether a request whose Host header is `header` may be served. */
  allows(header: string): boolean;
  /** The refusal's message, naming the setting that would allow it. */
  refusal(header: string): string;
}

/**
 * Allowed: any IP address (a rebinding page can only use a name it owns, so a literal address
 * is one the browser really connected to), `localhost` when the server listens on loopback or
 * on every address, the configured `host`, and `http.allowedHosts` (`.example.com` also allows
 * its subdomains; `*` turns the check off).
 */
export function hostRule(cfg: Config): HostRule {
  const entries = cfg.http.allowedHosts.map((e) => e.trim().toLowerCase()).filter(Boolean);
  const any = entries.includes('*');
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const e of entries) {
    if (e === '*') continue;
    if (e.startsWith('.')) {
      suffixes.push(e);
      exact.add(e.slice(1));
      continue;
    }
    const name = hostName(e);
    if (!name) throw new Error(`Setting http.allowedHosts: '${e}' is not a host name`);
    exact.add(name);
  }
  const own = hostName(cfg.host);
  if (own && !WILDCARD_BINDS.has(cfg.host)) exact.add(own);
  if (bindsLoopback(cfg.host)) exact.add('localhost');
  return {
    allows(header) {
      if (any) return true;
      const name = hostName(header);
      if (!name) return false;
      return isIpLiteral(name) || exact.has(name) || suffixes.some((s) => name.endsWith(s));
    },
    refusal(header) {
      const shown = JSON.stringify(header.slice(0, 100));
      return `Host ${shown} is not a name of this server, so the request is refused (a defence against DNS rebinding). ` +
        'If clients reach the server by that name, add it to the setting http.allowedHosts (SPARKPORT_HTTP__ALLOWED_HOSTS).';
    },
  };
}
