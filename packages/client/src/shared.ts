/**
 * Shared data of a session from TypeScript. `SharedRdd` keeps the seed's name and its
 * get/set, now on real endpoints: no statements, no polling, no lineage growing per key.
 */
import type { BulkGetResponse, ErrorCode, SharedItem, SharedList, SharedPage } from '@sparkport/protocol';
import { SparkportError } from './errors.ts';
import { enc, makeSettings, query, request, type ClientSettings } from './http.ts';
import type { SessionRef } from './sessions.ts';

const ABSENT: readonly string[] = ['KEY_NOT_FOUND', 'SHARED_NOT_FOUND'] satisfies ErrorCode[];

type S = Required<ClientSettings>;
const base = (id: SessionRef, name?: string) => `/sessions/${enc(String(id))}/shared${name === undefined ? '' : `/${enc(name)}`}`;

export const listShared = (s: S, id: SessionRef) => request<SharedList>(s, 'GET', base(id));
export const getSharedValue = async (s: S, id: SessionRef, name: string, key: string) =>
  (await request<{ value: unknown }>(s, 'GET', `${base(id, name)}/${enc(key)}`)).value;
export const setSharedValue = (s: S, id: SessionRef, name: string, key: string, value: unknown) =>
  request(s, 'PUT', `${base(id, name)}/${enc(key)}`, value);
export const deleteSharedValue = (s: S, id: SessionRef, name: string, key: string) =>
  request(s, 'DELETE', `${base(id, name)}/${enc(key)}`);
export const putShared = (s: S, id: SessionRef, name: string, entries: Record<string, unknown>) =>
  request<{ updated: number; size: number }>(s, 'POST', `${base(id, name)}/put`, { entries });
export const getShared = (s: S, id: SessionRef, name: string, keys: string[]) =>
  request<BulkGetResponse>(s, 'POST', `${base(id, name)}/get`, { keys });
export const scanShared = (s: S, id: SessionRef, name: string, opts: { prefix?: string; limit?: number; cursor?: string } = {}) =>
  request<SharedPage>(s, 'GET', `${base(id, name)}${query(opts)}`);
export const dropShared = (s: S, id: SessionRef, name: string) => request(s, 'DELETE', base(id, name));
export const saveShared = (s: S, id: SessionRef, name: string, path: string, opts: { format?: 'parquet' | 'json'; mode?: 'error' | 'overwrite' } = {}) =>
  request<{ path: string; format: string; rows: number }>(s, 'POST', `${base(id, name)}/save`, { path, ...opts });
export const loadShared = (s: S, id: SessionRef, name: string, path: string, opts: { format?: 'parquet' | 'json'; as?: 'dataset' | 'map' } = {}) =>
  request<SharedItem>(s, 'POST', `${base(id, name)}/load`, { path, ...opts });

/**
 * A named shared map in a live session: `new SharedRdd('http://host:8998/sessions/0', 'states')`.
 */
export class SharedRdd {
  private readonly s: S;
  private readonly session: string;

  constructor(sessionUrl: string, readonly name: string, settings: Partial<Omit<ClientSettings, 'baseUrl'>> = {}) {
    const m = /^(.*)\/sessions\/([^/]+)\/?$/.exec(sessionUrl);
    if (!m) throw new TypeError(`session URL must look like http://host:8998/sessions/<id or name>, got ${sessionUrl}`);
    this.s = makeSettings({ ...settings, baseUrl: m[1]! });
    this.session = decodeURIComponent(m[2]!);
  }

  /** The value, or undefined when the key (or the map) does not exist. */
  async get(key: string): Promise<unknown> {
    try {
      return await getSharedValue(this.s, this.session, this.name, key);
    } catch (e) {
      // The key or the whole map is missing; a missing session is an error.
      if (e instanceof SparkportError && ABSENT.includes(e.code)) return undefined;
      throw e;
    }
  }
  async set(key: string, value: unknown): Promise<void> { await setSharedValue(this.s, this.session, this.name, key, value); }
  async setMany(entries: Record<string, unknown>): Promise<void> { await putShared(this.s, this.session, this.name, entries); }
  async getMany(keys: string[]): Promise<BulkGetResponse> { return getShared(this.s, this.session, this.name, keys); }
  /** Deletes one key, or the whole map when no key is given. */
  async delete(key?: string): Promise<void> {
    if (key === undefined) await dropShared(this.s, this.session, this.name);
    else await deleteSharedValue(this.s, this.session, this.name, key);
  }
  /** Every key and value (paged under the hood), optionally only keys starting with a prefix. */
  async *entries(prefix?: string): AsyncGenerator<[string, unknown]> {
    let cursor: string | undefined;
    do {
      const page = await scanShared(this.s, this.session, this.name, { prefix, limit: 1000, cursor });
      for (const e of page.entries ?? []) yield [e.key, e.value];
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }
  /** Everything shared in the session (maps and datasets). */
  async list(): Promise<SharedItem[]> { return (await listShared(this.s, this.session)).items; }
  save(path: string, opts: { format?: 'parquet' | 'json'; mode?: 'error' | 'overwrite' } = {}) {
    return saveShared(this.s, this.session, this.name, path, opts);
  }
  load(path: string, opts: { format?: 'parquet' | 'json' } = {}) {
    return loadShared(this.s, this.session, this.name, path, { ...opts, as: 'map' });
  }
}
