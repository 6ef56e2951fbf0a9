/**
 * Every endpoint of the REST API. Each export of an api file is one endpoint, and its export name
 * is its operationId: declaring an endpoint there is all it takes to list it here.
 */
import * as batches from './batches.ts';
import type { Endpoint } from './endpoint.ts';
import * as operations from './operations.ts';
import * as sessions from './sessions.ts';
import * as shared from './shared.ts';
import * as statements from './statements.ts';
import * as ui from './ui.ts';
import * as version from './version.ts';

export * from './endpoint.ts';

type Intersect<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void ? I : never;

function collect<M extends Record<string, Endpoint>[]>(...modules: M): Intersect<M[number]> {
  const all: Record<string, Endpoint> = {};
  for (const m of modules) {
    for (const [name, ep] of Object.entries(m)) {
      if (name in all) throw new Error(`Two endpoints are named '${name}'`);
      ep.operationId = name;
      all[name] = ep;
    }
  }
  const routes = new Set(Object.values(all).map((e) => `${e.method} ${e.url}`));
  if (routes.size !== Object.keys(all).length) throw new Error('Two endpoints have the same method and URL');
  return all as Intersect<M[number]>;
}

export const Endpoints = collect(version, operations, sessions, statements, shared, batches, ui);
export const ENDPOINTS: readonly Endpoint[] = Object.values(Endpoints);
