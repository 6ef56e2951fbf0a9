/**
 * The one place the client touches HTTP: settings (base URL, headers, an injectable fetch) and
 * a request function that turns error bodies into SparkportError.
 */
import { NetworkError, SparkportError } from './errors.ts';

/** What the server's authentication takes: a user of its htpasswd file (Basic), or a token or JWT (Bearer). */
export type Credentials = { user: string; password: string } | { token: string };

export interface ClientSettings {
  baseUrl: string;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** Sent with every request (as an Authorization header, which `headers` may still override). */
  auth?: Credentials | null;
}

export function authorizationHeader(c: Credentials): string {
  if ('token' in c) return `Bearer ${c.token}`;
  // RFC 7617: user and password as UTF-8, then base64 (btoa, so that it runs in browsers too).
  const bytes = new TextEncoder().encode(`${c.user}:${c.password}`);
  return `Basic ${btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''))}`;
}

/** SPARKPORT_URL under Node; nothing in a browser, which has no process. */
const envUrl = () => (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.SPARKPORT_URL;

export function makeSettings(s: Partial<ClientSettings> | string = {}): Required<ClientSettings> {
  const o = typeof s === 'string' ? { baseUrl: s } : s;
  return {
    baseUrl: (o.baseUrl ?? envUrl() ?? 'http://127.0.0.1:8998').replace(/\/+$/, ''),
    headers: { ...(o.auth ? { Authorization: authorizationHeader(o.auth) } : {}), ...o.headers },
    fetch: o.fetch ?? globalThis.fetch,
    auth: o.auth ?? null,
  };
}

export async function request<T>(
  s: Required<ClientSettings>,
  method: string,
  path: string,
  body?: unknown,
  init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<T> {
  return (await requestWithHeaders<T>(s, method, path, body, init)).body;
}

/** `request`, with the response's status and headers (an ETag, say); a 304 is an answer, not an error. */
export async function requestWithHeaders<T>(
  s: Required<ClientSettings>,
  method: string,
  path: string,
  body?: unknown,
  init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: T }> {
  let res: Response;
  try {
    res = await s.fetch(s.baseUrl + path, {
      method,
      headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...s.headers, ...init.headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: init.signal,
    });
  } catch (e) {
    throw new NetworkError(`cannot reach ${s.baseUrl}: ${(e as Error).message}`, e);
  }
  if (res.status === 304) return { status: 304, headers: res.headers, body: undefined as T };
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (!res.ok) {
    const b = (parsed ?? {}) as { msg?: string; code?: string };
    throw new SparkportError(res.status, b.code ?? 'HTTP_' + res.status, b.msg ?? (typeof parsed === 'string' ? parsed : res.statusText),
      res.headers.get('WWW-Authenticate'));
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

export const enc = encodeURIComponent;

export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => `${enc(k)}=${enc(String(v))}`);
  return q.length ? `?${q.join('&')}` : '';
}
