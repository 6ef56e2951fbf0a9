/**
 * `sparkport run [CODE] [-f FILE] [-s SESSION] [-k KIND]`: one statement, from an argument, a
 * file, or stdin.
 */
import { readFileSync } from 'node:fs';
import { seconds, type Parsed } from '../args.ts';
import { Failed, UsageError } from '../exit.ts';
import { execute } from '../execute.ts';
import type { Ctx } from '../io.ts';
import { pickSession, whenReady } from '../session-pick.ts';

export async function codeFrom(ctx: Ctx, p: Parsed): Promise<string> {
  const file = p.opts.file as string | undefined;
  if (file !== undefined && p.args.code !== undefined) throw new UsageError('run: give the code as an argument or with -f, not both');
  if (file === '-' || (file === undefined && p.args.code === undefined)) {
    if (file === undefined && ctx.io.stdinIsTty) throw new UsageError('run: no code (give it as an argument, with -f FILE, or on stdin)');
    return ctx.io.readStdin();
  }
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`run: cannot read ${file}: ${(e as Error).message}`);
    }
  }
  return p.args.code!;
}

export async function runCommand(ctx: Ctx, p: Parsed): Promise<void> {
  const code = await codeFrom(ctx, p);
  if (!code.trim()) throw new UsageError('run: the code is empty');
  const timeout = seconds(p.opts.timeout, 'timeout');
  const session = await pickSession(ctx, p.opts.session);
  const info = await whenReady(ctx, session);
  const failed = await execute(ctx, session, code, {
    // A shared session wants a kind on every statement; Python is what people type.
    kind: (p.opts.kind as string | undefined) ?? (info.kind === 'shared' ? 'pyspark' : undefined),
    saveImages: p.opts['save-images'] as string | undefined,
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
  });
  if (failed) throw new Failed();
}
