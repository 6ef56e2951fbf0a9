/**
 * Shared data of a session: REST-side checks (names, sizes, paths) and the calls to the driver
 * that holds the data. The driver answers these on its control thread, so they never wait for
 * a running statement.
 */
import {
  SHARED_NAME_PATTERN, sessionMachine, type BulkGetResponse, type SharedItem, type SharedList, type SharedPage, type SharedReq,
} from '@sparkport/protocol';
import type { Config } from '../config.ts';
import { DomainError, conflict, invalid, notFound } from './errors.ts';
import { checkDataPath } from './paths.ts';
import { restError } from './driver-errors.ts';
import { DriverCallError } from './ports/driver-link.ts';
import type { SessionRuntime } from './session-runtime.ts';

const NAME = new RegExp(SHARED_NAME_PATTERN, 'u');
const CALL_TIMEOUT_MS = 60_000;

export class SharedData {
  constructor(private readonly cfg: Config) {}

  checkName(name: string): void {
    if (!NAME.test(name)) {
      throw invalid(`Invalid shared name '${name}': use letters, digits and _ (not starting with a digit), so SQL can use it as a view name`);
    }
  }

  checkValue(key: string, value: unknown): void {
    if (value === undefined) throw invalid(`A JSON value is required for key '${key}'`);
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > this.cfg.limits.sharedValueBytes) {
      throw new DomainError('VALUE_TOO_LARGE', `Value for key '${key}' is ${bytes} bytes, over the limit of ${this.cfg.limits.sharedValueBytes} (limits.sharedValueBytes)`);
    }
  }

  checkPath(p: string): string { return checkDataPath(p, this.cfg.shared.allowedDirs, this.cfg.spark.allowedSchemes); }

  list(rt: SessionRuntime): Promise<SharedList> {
    return this.call(rt, { type: 'shared_list' });
  }

  async put(rt: SessionRuntime, name: string, entries: Record<string, unknown>): Promise<{ updated: number; size: number }> {
    this.checkName(name);
    for (const [k, v] of Object.entries(entries)) this.checkValue(k, v);
    return this.call(rt, { type: 'shared_put', name, entries });
  }

  async get(rt: SessionRuntime, name: string, keys: string[]): Promise<BulkGetResponse> {
    this.checkName(name);
    return this.call(rt, { type: 'shared_get', name, keys });
  }

  async getOne(rt: SessionRuntime, name: string, key: string): Promise<unknown> {
    const r = await this.get(rt, name, [key]);
    if (!(key in r.values)) throw notFound(`Key '${key}' not found in shared map '${name}'`, 'KEY_NOT_FOUND');
    return r.values[key];
  }

  async delete(rt: SessionRuntime, name: string, keys?: string[]): Promise<{ deleted: number }> {
    this.checkName(name);
    return this.call(rt, keys ? { type: 'shared_delete', name, keys } : { type: 'shared_delete', name });
  }

  async scan(rt: SessionRuntime, name: string, prefix: string | undefined, limit: number, cursor: string | undefined): Promise<SharedPage> {
    this.checkName(name);
    const r = await this.call<Omit<SharedPage, 'name'>>(rt, {
      type: 'shared_scan', name, prefix: prefix ?? '', limit: Math.min(limit, this.cfg.limits.sharedPageSize), cursor: cursor ?? null,
    });
    return { name, ...r };
  }

  async save(rt: SessionRuntime, name: string, p: string, format = 'parquet', mode = 'error') {
    this.checkName(name);
    const path = this.checkPath(p);
    return this.call<{ path: string; format: string; rows: number }>(rt, { type: 'shared_save', name, path, format, mode });
  }

  async load(rt: SessionRuntime, name: string, p: string, format = 'parquet', as = 'dataset'): Promise<SharedItem> {
    this.checkName(name);
    const path = this.checkPath(p);
    const r = await this.call<{ item: SharedItem }>(rt, { type: 'shared_load', name, path, format, as });
    return r.item;
  }

  private async call<T>(rt: SessionRuntime, msg: Omit<SharedReq, 'id'>): Promise<T> {
    const state = rt.record.state;
    const link = rt.link;
    if (!link || !sessionMachine.is(state, 'reachable')) {
      throw conflict(`Session ${rt.id} is ${state}: shared data is reachable while the session is ${sessionMachine.sets.reachable.join(' or ')}`, 'SESSION_NOT_ACTIVE');
    }
    try {
      return await link.request<T>(msg as Omit<SharedReq, 'id'>, { timeoutMs: CALL_TIMEOUT_MS });
    } catch (e) {
      if (!(e instanceof DriverCallError)) throw e;
      throw restError(e, 'The session\'s driver could not answer');
    }
  }
}
