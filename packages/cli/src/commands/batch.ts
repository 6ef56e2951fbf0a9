/**
 * `sparkport batch submit|list|status|logs|kill`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { splitLivyLog, type Batch, type CreateBatchRequest } from '@sparkport/client';
import { parseConf, type Parsed } from '../args.ts';
import { Failed } from '../exit.ts';
import { printJson, type Ctx } from '../io.ts';
import { formatTable } from '../table.ts';

const ref = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : v!);
// Repeatable options that may also hold comma-separated lists.
const list = (v: unknown) => (Array.isArray(v) ? v.flatMap((x: string) => x.split(',')).map((x) => x.trim()).filter(Boolean) : undefined);

/** A relative path that exists here is made absolute: the server (usually this machine) needs one. */
function serverPath(p: string): string {
  return !/^[a-z][\w+.-]*:/i.test(p) && !path.isAbsolute(p) && existsSync(p) ? path.resolve(p) : p;
}

function batchLine(b: Batch): string {
  return `batch ${b.id}${b.name ? ` (${b.name})` : ''}: ${b.state}${b.appId ? ` (${b.appId})` : ''}\n`;
}

async function follow(ctx: Ctx, id: number | string): Promise<Batch> {
  for await (const line of ctx.client.followBatchLog(id)) ctx.io.out(`${line}\n`);
  return ctx.client.getBatch(id);
}

export async function batchCommand(ctx: Ctx, p: Parsed): Promise<void> {
  const { client, io } = ctx;
  switch (p.command) {
    case 'batch submit': {
      const body: CreateBatchRequest = { file: serverPath(p.args.file!) };
      if (p.rest.length) body.args = p.rest;
      if (p.opts['class-name']) body.className = p.opts['class-name'] as string;
      if (p.opts.name) body.name = p.opts.name as string;
      if (p.opts['driver-memory']) body.driverMemory = p.opts['driver-memory'] as string;
      const pyFiles = list(p.opts['py-files']), jars = list(p.opts.jars), files = list(p.opts.files);
      if (pyFiles) body.pyFiles = pyFiles.map(serverPath);
      if (jars) body.jars = jars.map(serverPath);
      if (files) body.files = files.map(serverPath);
      const conf = parseConf(p.opts.conf as string[] | undefined);
      if (conf) body.conf = conf;
      let b = await client.createBatch(body);
      if (p.opts.follow && !io.json) {
        io.err(`batch ${b.id} submitted\n`);
        b = await follow(ctx, b.id);
        io.err(batchLine(b));
      } else if (p.opts.follow || p.opts.wait) {
        io.progress.update(`batch ${b.id} running`);
        try {
          b = await client.waitForBatch(b.id);
        } finally {
          io.progress.stop();
        }
      }
      if (io.json) printJson(io, b);
      else if (!p.opts.follow) io.out(batchLine(b));
      // Only a batch that was waited for has an outcome to report in the exit code.
      if ((p.opts.follow || p.opts.wait) && b.state !== 'success') throw new Failed();
      return;
    }
    case 'batch list': {
      const l = await client.listBatches();
      if (io.json) printJson(io, l);
      else io.out(l.sessions.length ? `${formatTable(['id', 'name', 'state', 'appId'], l.sessions.map((b) => [b.id, b.name ?? '', b.state, b.appId ?? '']))}\n` : 'no batches\n');
      return;
    }
    case 'batch status': {
      const b = await client.getBatch(ref(p.args.batch));
      if (io.json) printJson(io, b);
      else io.out(batchLine(b));
      return;
    }
    case 'batch logs': {
      const id = ref(p.args.batch);
      if (p.opts.follow && !io.json) {
        const b = await follow(ctx, id);
        io.err(batchLine(b));
        return;
      }
      if (p.opts.follow) await client.waitForBatch(id);
      const log = await client.batchLog(id, 0, -1);
      if (io.json) printJson(io, log);
      else io.out(splitLivyLog(log.log).flat().map((l) => `${l}\n`).join(''));
      return;
    }
    case 'batch kill': {
      const r = await client.deleteBatch(ref(p.args.batch));
      if (io.json) printJson(io, r);
      else io.out(`batch ${p.args.batch} killed\n`);
      return;
    }
  }
}
