/**
 * The Origin rule: a browser marks every request a page makes with where the page came from
 * (`Origin`, and `Sec-Fetch-Site` in current browsers). A request so marked is served only when
 * the page is this server's own origin or one listed in http.allowedOrigins; other pages are
 * refused, with or without credentials. Programs (curl, sparkmagic, pylivy, Airflow) send
 * neither header and are not affected.
 */
import type { Config } from '../../config.ts';

/** `scheme://host[:port]` as browsers write it (default port left out), or null. */
export function normaliseOrigin(origin: string): string | null {
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    // A bare origin only: a path, user info, query or fragment means it is not one.
    if (u.username || u.password || u.search || u.hash || (u.pathname !== '/' && u.pathname !== '')) return null;
    return u.origin;
  } catch {
    return null;
  }
}

export type OriginVerdict =
  /** No browser marks: a program, or a page navigated to by the user. */
  | { kind: 'none' }
  /** This server's own page (same origin): served as usual, no CORS headers needed. */
  | { kind: 'own' }
  /** A page of a listed origin: served with CORS headers naming it. */
  | { kind: 'allowed'; origin: string }
  | { kind: 'refused'; msg: string };

export interface OriginRule {
  judge(headers: { origin?: string; host?: string; secFetchSite?: string }): OriginVerdict;
  /** Whether any origin is listed, so responses vary by Origin. */
  readonly listsOrigins: boolean;
}

const SETTING = 'the setting http.allowedOrigins (SPARKPORT_HTTP__ALLOWED_ORIGINS)';

export function originRule(cfg: Config, scheme: 'http' | 'https'): OriginRule {
  const listed = new Set<string>();
  for (const o of cfg.http.allowedOrigins) {
    const n = normaliseOrigin(o.trim());
    // 'null' is what sandboxed frames, file: pages and redirects send: anyone can be it.
    if (!n) throw new Error(`Setting http.allowedOrigins: '${o}' is not an origin such as https://notebook.example.com`);
    listed.add(n);
  }
  const refuse = (what: string): OriginVerdict => ({
    kind: 'refused',
    msg: `${what}, so the request is refused (a defence against cross-site requests from web pages). ` +
      `If a web page of yours must call this server, add its origin to ${SETTING}.`,
  });
  return {
    listsOrigins: listed.size > 0,
    judge({ origin, host, secFetchSite }) {
      if (origin !== undefined) {
        const n = normaliseOrigin(origin);
        if (n && listed.has(n)) return { kind: 'allowed', origin: n };
        // Same origin: the page was served by this server under the name the request uses.
        // The scheme must be ours too (behind a TLS proxy, list the public origin instead).
        if (n && host && n === normaliseOrigin(`${scheme}://${host}`)) return { kind: 'own' };
        return refuse(`Origin ${JSON.stringify(origin.slice(0, 200))} is not this server's origin nor an allowed one`);
      }
      // No Origin (a plain GET from an <img>, <script>, <link>): the fetch metadata still tells.
      const site = secFetchSite?.toLowerCase();
      if (site === 'cross-site' || site === 'same-site') return refuse(`A request from a page of another origin (Sec-Fetch-Site: ${site}) with no Origin header`);
      return { kind: 'none' };
    },
  };
}
