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
  // RFC 7617: user and password as UTF-8, then base64.
  return `Basic ${Buffer.from(`${c.user}:${c.password}`, 'utf8').toString('base64')}`;
}

export function makeSettings(s: Partial<ClientSettings> | string = {}): Required<ClientSettings> {
  const o = typeof s === 'string' ? { baseUrl: s } : s;
  return {
    baseUrl: (o.baseUrl ?? process.env.SPARKPORT_URL ?? 'http://127.0.0.1:8998').replace(/\/+$/, ''),
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
  init: { signal?: AbortSignal } = {},
): Promise<T> {
  let res: Response;
  try {
    res = await s.fetch(s.baseUrl + path, {
      method,
      headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...s.headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: init.signal,
    });
  } catch (e) {
    throw new NetworkError(`cannot reach ${s.baseUrl}: ${(e as Error).message}`, e);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (!res.ok) {
    const b = (parsed ?? {}) as { msg?: string; code?: string };
    throw new SparkportError(res.status, b.code ?? 'HTTP_' + res.status, b.msg ?? (typeof parsed === 'string' ? parsed : res.statusText));
  }
  return parsed as T;
}

export const enc = encodeURIComponent;

export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => `${enc(k)}=${enc(String(v))}`);
  return q.length ? `?${q.join('&')}` : '';
}
