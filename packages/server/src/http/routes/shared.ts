import { BulkGetRequest, BulkPutRequest, LoadRequest, SaveRequest } from '@sparkport/protocol';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../domain/errors.ts';
import type { SessionManager } from '../../domain/session-manager.ts';
import type { SharedData } from '../../domain/shared-data.ts';
import { intParam } from '../params.ts';

type NameParams = { id: string; name: string };
type KeyParams = NameParams & { key: string };

/**
 * Shared maps and datasets. Single keys use GET/PUT/DELETE on /{name}/{key}; whole-map actions
 * are POSTs on /{name}/put|get|save|load, so no key can be mistaken for an action.
 */
export function sharedRoutes(app: FastifyInstance, sessions: SessionManager, shared: SharedData): void {
  const session = (id: string) => {
    const rt = sessions.resolve(id);
    sessions.heartbeat(rt);
    return rt;
  };

  app.get<{ Params: { id: string } }>('/sessions/:id/shared', async (req) => shared.list(session(req.params.id)));

  app.get<{ Params: NameParams }>('/sessions/:id/shared/:name', async (req) => {
    const q = req.query as Record<string, unknown>;
    const limit = intParam(q, 'limit', 100, { min: 1 });
    return shared.scan(session(req.params.id), req.params.name, q.prefix as string | undefined, limit, q.cursor as string | undefined);
  });

  app.delete<{ Params: NameParams }>('/sessions/:id/shared/:name', async (req) => {
    await shared.delete(session(req.params.id), req.params.name);
    return { msg: 'deleted' };
  });

  app.post<{ Params: NameParams }>('/sessions/:id/shared/:name/put', { schema: { body: BulkPutRequest } }, async (req) =>
    shared.put(session(req.params.id), req.params.name, (req.body as BulkPutRequest).entries));

  app.post<{ Params: NameParams }>('/sessions/:id/shared/:name/get', { schema: { body: BulkGetRequest } }, async (req) =>
    shared.get(session(req.params.id), req.params.name, (req.body as BulkGetRequest).keys));

  app.post<{ Params: NameParams }>('/sessions/:id/shared/:name/save', { schema: { body: SaveRequest } }, async (req) => {
    const b = req.body as SaveRequest;
    return shared.save(session(req.params.id), req.params.name, b.path, b.format, b.mode);
  });

  app.post<{ Params: NameParams }>('/sessions/:id/shared/:name/load', { schema: { body: LoadRequest } }, async (req) => {
    const b = req.body as LoadRequest;
    return shared.load(session(req.params.id), req.params.name, b.path, b.format, b.as);
  });

  app.get<{ Params: KeyParams }>('/sessions/:id/shared/:name/:key', async (req) => {
    const { name, key } = req.params;
    return { name, key, value: await shared.getOne(session(req.params.id), name, key) };
  });

  app.put<{ Params: KeyParams }>('/sessions/:id/shared/:name/:key', async (req) => {
    const { name, key } = req.params;
    const rt = session(req.params.id);
    shared.checkValue(key, req.body);
    await shared.put(rt, name, { [key]: req.body });
    return { name, key, value: req.body };
  });

  app.delete<{ Params: KeyParams }>('/sessions/:id/shared/:name/:key', async (req) => {
    const { name, key } = req.params;
    const r = await shared.delete(session(req.params.id), name, [key]);
    if (!r.deleted) throw notFound(`Key '${key}' not found in shared map '${name}'`, 'KEY_NOT_FOUND');
    return { msg: 'deleted' };
  });
}
