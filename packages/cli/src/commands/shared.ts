/**
 * `sparkport shared list|get|set|delete|load|save`: a session's shared maps and datasets.
 */
import { sharedApi } from '@sparkport/client';
import type { Parsed } from '../args.ts';
import { UsageError } from '../exit.ts';
import { printJson, type Ctx } from '../io.ts';
import { pickSession } from '../session-pick.ts';
import { formatTable } from '../table.ts';

/** VALUE on the command line: JSON when it parses (`42`, `true`, `{"a":1}`), else the text itself. */
export function parseValue(raw: string, forceString = false): unknown {
  if (forceString) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function oneOf<T extends string>(v: unknown, allowed: T[], name: string): T | undefined {
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T)) throw new UsageError(`--${name} takes ${allowed.join(' or ')}, got '${String(v)}'`);
  return v as T;
}

export async function sharedCommand(ctx: Ctx, p: Parsed): Promise<void> {
  const { client, io } = ctx;
  const s = client.settings;
  const session = await pickSession(ctx, p.opts.session);
  const name = p.args.name!;
  switch (p.command) {
    case 'shared list': {
      const l = await sharedApi.listShared(s, session);
      if (io.json) printJson(io, l);
      else io.out(l.items.length
        ? `${formatTable(['name', 'kind', 'size'], l.items.map((i) => [i.name, i.kind, i.kind === 'map' ? i.size : i.count]))}\n`
        : 'nothing shared\n');
      return;
    }
    case 'shared get': {
      if (p.args.key !== undefined) {
        const value = await sharedApi.getSharedValue(s, session, name, p.args.key);
        if (io.json || typeof value !== 'string') printJson(io, value);
        else io.out(`${value}\n`);
        return;
      }
      const limit = p.opts.limit === undefined ? undefined : Number(p.opts.limit);
      const page = await sharedApi.scanShared(s, session, name, { limit });
      if (io.json) printJson(io, page);
      else if (page.kind === 'map') io.out(`${formatTable(['key', 'value'], (page.entries ?? []).map((e) => [e.key, e.value]))}\n`);
      else {
        const fields = ((page.schema as { fields?: { name: string }[] } | undefined)?.fields ?? []).map((f) => f.name);
        const rows = (page.rows ?? []) as unknown[];
        io.out(`${formatTable(fields, rows.map((r) => (Array.isArray(r) ? r : fields.map((f) => (r as Record<string, unknown>)[f]))))}\n`);
      }
      if (page.next_cursor && !io.json) io.err('(more: use --json and the cursor, or a larger --limit)\n');
      return;
    }
    case 'shared set': {
      const r = await sharedApi.setSharedValue(s, session, name, p.args.key!, parseValue(p.args.value!, p.opts.string === true));
      if (io.json) printJson(io, r);
      return;
    }
    case 'shared delete': {
      const r = p.args.key === undefined
        ? await sharedApi.dropShared(s, session, name)
        : await sharedApi.deleteSharedValue(s, session, name, p.args.key);
      if (io.json) printJson(io, r);
      return;
    }
    case 'shared load': {
      const item = await sharedApi.loadShared(s, session, name, p.args.path!, {
        format: oneOf(p.opts.format, ['parquet', 'json'], 'format'),
        as: oneOf(p.opts.as, ['dataset', 'map'], 'as'),
      });
      if (io.json) printJson(io, item);
      else io.out(`loaded ${item.kind} ${item.name} (${item.kind === 'map' ? `${item.size} keys` : `${item.count} rows`})\n`);
      return;
    }
    case 'shared save': {
      const r = await sharedApi.saveShared(s, session, name, p.args.path!, {
        format: oneOf(p.opts.format, ['parquet', 'json'], 'format'),
        mode: oneOf(p.opts.mode, ['error', 'overwrite'], 'mode'),
      });
      if (io.json) printJson(io, r);
      else io.out(`saved ${r.rows} rows to ${r.path} (${r.format})\n`);
      return;
    }
  }
}
