/**
 * The one client of the page: `@sparkport/client` bound to the origin that served the page.
 * Credentials live in sessionStorage (gone when the tab closes) and go out as an Authorization
 * header. Requests never carry the browser's own credentials (`credentials: 'omit'`), so a 401
 * never pops up the browser's login box: the page shows its own.
 */
import { NetworkError, SparkportClient, SparkportError, type Credentials } from '@sparkport/client';

const KEY = 'sparkport.credentials';

export function loadCredentials(): Credentials | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Credentials) : null;
  } catch {
    return null;
  }
}

export function saveCredentials(c: Credentials | null): void {
  if (c) sessionStorage.setItem(KEY, JSON.stringify(c));
  else sessionStorage.removeItem(KEY);
}

/** Where the API is: where the page is, less its /ui/, so a proxy that serves the server under a path (/livy/) is followed. */
export const apiBase = () => location.origin + location.pathname.replace(/\/ui(\/.*)?$/, '');

export function makeClient(auth: Credentials | null): SparkportClient {
  return new SparkportClient({
    baseUrl: apiBase(),
    auth,
    // X-Requested-By: what the server's csrfProtection asks of browsers' writes.
    headers: { 'X-Requested-By': 'sparkport-ui' },
    fetch: (input, init) => fetch(input, { ...init, credentials: 'omit', cache: 'no-store' }),
  });
}

/** What the login form offers, from a 401's WWW-Authenticate: a user and password (Basic) and/or a token (Bearer). */
export function loginKinds(challenge: string | null): { basic: boolean; bearer: boolean } {
  const c = (challenge ?? '').toLowerCase();
  const basic = /(^|,\s*)basic\b/.test(c), bearer = /(^|,\s*)bearer\b/.test(c);
  return basic || bearer ? { basic, bearer } : { basic: true, bearer: true };
}

export const isUnauthorized = (e: unknown): e is SparkportError => e instanceof SparkportError && e.status === 401;
export const isAbort = (e: unknown) => e instanceof DOMException && e.name === 'AbortError' ||
  (e instanceof NetworkError && e.cause instanceof DOMException && e.cause.name === 'AbortError');

/** A failure in words a user can act on: the server's own message for a 4xx, what went wrong otherwise. */
export function errorText(e: unknown): string {
  if (e instanceof SparkportError) return `${e.message} (${e.status} ${e.code})`;
  if (e instanceof NetworkError) return `The server cannot be reached: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
