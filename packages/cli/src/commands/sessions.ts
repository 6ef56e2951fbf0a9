/**
 * `sparkport sessions list|create|show|log|delete|connect`.
 */
import { splitLivyLog, type CreateSessionRequest, type Session } from '@sparkport/client';
import { parseConf, seconds, type Parsed } from '../args.ts';
import { printJson, type Ctx } from '../io.ts';
import { whenReady } from '../session-pick.ts';
import { formatTable } from '../table.ts';

const ref = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : v!);

export function sessionTable(sessions: Session[]): string {
  return formatTable(['id', 'name', 'kind', 'state', 'appId'], sessions.map((s) => [s.id, s.name ?? '', s.kind, s.state, s.appId ?? '']));
}

export async function sessionsCommand(ctx: Ctx, p: Parsed): Promise<void> {
  const { client, io } = ctx;
  switch (p.command) {
    case 'sessions list': {
      const list = await client.listSessions();
      if (io.json) printJson(io, list);
      else io.out(list.sessions.length ? `${sessionTable(list.sessions)}\n` : 'no sessions\n');
      return;
    }
    case 'sessions create': {
      // pyspark unless told otherwise: a shared session (the server's default) needs a kind on every statement.
      const body: CreateSessionRequest = { kind: (p.opts.kind as string | undefined) ?? 'pyspark' };
      if (p.opts.name) body.name = p.opts.name as string;
      if (p.opts['driver-memory']) body.driverMemory = p.opts['driver-memory'] as string;
      const conf = parseConf(p.opts.conf as string[] | undefined);
      if (conf) body.conf = conf;
      const timeout = seconds(p.opts.timeout, 'timeout');
      let s = await client.createSession(body);
      if (!p.opts['no-wait']) s = await whenReady(ctx, s.id, timeout === undefined ? undefined : timeout * 1000);
      if (io.json) printJson(io, s);
      else io.out(`session ${s.id}${s.name ? ` (${s.name})` : ''} is ${s.state}\n`);
      return;
    }
    case 'sessions show': {
      const s = await client.getSession(ref(p.args.session));
      if (io.json) printJson(io, s);
      else {
        io.out(`${sessionTable([s])}\n`);
        if (s.appInfo?.sparkUiUrl) io.out(`Spark UI: ${s.appInfo.sparkUiUrl}\n`);
        if (s.appInfo?.sparkConnectUrl) io.out(`Spark Connect: ${s.appInfo.sparkConnectUrl} (sparkport sessions connect ${s.id} adds its token)\n`);
      }
      return;
    }
    case 'sessions log': {
      const size = p.opts.size === undefined ? -1 : Number(p.opts.size);
      const log = await client.sessionLog(ref(p.args.session), undefined, size);
      if (io.json) printJson(io, log);
      else io.out(splitLivyLog(log.log).flat().map((l) => `${l}\n`).join(''));
      return;
    }
    case 'sessions connect': {
      // The URL alone on stdout, so that a shell can hand it to a Spark Connect client as it is.
      const c = await client.sparkConnect(ref(p.args.session));
      if (io.json) printJson(io, c);
      else io.out(`${c.url}\n`);
      return;
    }
    case 'sessions delete': {
      const r = await client.deleteSession(ref(p.args.session));
      if (io.json) printJson(io, r);
      else io.out(`session ${p.args.session} deleted\n`);
      return;
    }
  }
}
