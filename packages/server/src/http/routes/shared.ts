import { Endpoints } from '@sparkport/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound } from '../../domain/errors.ts';
import type { SessionManager } from '../../domain/session-manager.ts';
import type { SharedData } from '../../domain/shared-data.ts';
import { route } from '../route.ts';

export function sharedRoutes(app: FastifyInstance, sessions: SessionManager, shared: SharedData): void {
  /** The session the URL names. Only a request by one who may modify it is its heartbeat: others' polling does not keep it alive. */
  const session = (req: Pick<FastifyRequest, 'mayModify'>, id: string) => {
    const rt = sessions.resolve(id);
    if (req.mayModify(rt.record.owner)) sessions.heartbeat(rt);
    return rt;
  };

  route(app, Endpoints.listShared, async (req) => shared.list(session(req, req.params.id)));

  route(app, Endpoints.scanShared, async (req) => {
    const { prefix, limit, cursor } = req.query;
    return shared.scan(session(req, req.params.id), req.params.name, prefix, limit, cursor);
  });

  route(app, Endpoints.dropShared, async (req) => {
    await shared.delete(session(req, req.params.id), req.params.name);
    return { msg: 'deleted' };
  });

  route(app, Endpoints.putSharedEntries, async (req) =>
    shared.put(session(req, req.params.id), req.params.name, req.body.entries));

  route(app, Endpoints.getSharedEntries, async (req) =>
    shared.get(session(req, req.params.id), req.params.name, req.body.keys));

  route(app, Endpoints.saveShared, async (req) => {
    const b = req.body;
    return shared.save(session(req, req.params.id), req.params.name, b.path, b.format, b.mode);
  });

  route(app, Endpoints.loadShared, async (req) => {
    const b = req.body;
    return shared.load(session(req, req.params.id), req.params.name, b.path, b.format, b.as);
  });

  route(app, Endpoints.getSharedKey, async (req) => {
    const { name, key } = req.params;
    return { name, key, value: await shared.getOne(session(req, req.params.id), name, key) };
  });

  route(app, Endpoints.putSharedKey, async (req) => {
    const { name, key } = req.params;
    const rt = session(req, req.params.id);
    shared.checkValue(key, req.body);
    await shared.put(rt, name, { [key]: req.body });
    return { name, key, value: req.body };
  });

  route(app, Endpoints.deleteSharedKey, async (req) => {
    const { name, key } = req.params;
    const r = await shared.delete(session(req, req.params.id), name, [key]);
    if (!r.deleted) throw notFound(`Key '${key}' not found in shared map '${name}'`, 'KEY_NOT_FOUND');
    return { msg: 'deleted' };
  });
}
