/**
 * Runs one statement the way a terminal wants it: printed lines as they are printed (the
 * statement's event stream), a progress bar from Spark's progress, Ctrl-C to cancel, then the
 * result. Shared by `run` and `repl`.
 */
import type { Statement } from '@sparkport/client';
import type { Ctx } from './io.ts';
import { renderStatement } from './render.ts';

export interface ExecuteOptions {
  kind?: string;
  saveImages?: string;
  /** Cancel the statement if it has not finished after this long. */
  timeoutMs?: number;
  /** Where Ctrl-C comes from: the process's SIGINT, unless a readline owns the terminal (repl). */
  onInterrupt?: (handler: () => void) => () => void;
}

const processSigint = (handler: () => void) => {
  process.on('SIGINT', handler);
  return () => { process.off('SIGINT', handler); };
};

/** Returns true when the statement failed (error output or cancelled). */
export async function execute(ctx: Ctx, session: string | number, code: string, opts: ExecuteOptions = {}): Promise<boolean> {
  const { client, io } = ctx;
  const st = await client.submit(session, code, opts.kind);
  const label = `statement ${st.id}`;
  const streamed = { stdout: '', stderr: '' };
  let cancelling = false;
  const cancel = (why: string) => {
    if (cancelling) return;
    cancelling = true;
    io.err(`${why}: cancelling statement ${st.id}…\n`);
    client.cancel(session, st.id).catch(() => undefined);
  };
  const off = (opts.onInterrupt ?? processSigint)(() => {
    // A second Ctrl-C gives up waiting for the cancel to land.
    if (cancelling) process.exit(130);
    cancel('interrupted');
  });
  const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => cancel('timed out'), opts.timeoutMs);
  let final: Statement | undefined;
  try {
    io.progress.update(`${label} ${st.state}`);
    for await (const ev of client.statementEvents(session, st.id)) {
      if (ev.event === 'output') {
        // With --json the printed text arrives once, inside the result.
        if (io.json) continue;
        streamed[ev.data.stream] += ev.data.text;
        (ev.data.stream === 'stderr' ? io.err : io.out)(ev.data.text);
      } else if (ev.event === 'progress') io.progress.update(`${label} running`, ev.data.progress > 0 ? ev.data.progress : undefined);
      else if (ev.event === 'state') io.progress.update(`${label} ${ev.data.state}`);
      else if (ev.event === 'done') final = ev.data;
    }
    // A stream that broke off: long polls instead.
    final ??= await client.waitForStatement(session, st.id, undefined, (s) =>
      io.progress.update(`${label} ${s.state}`, s.progress > 0 ? s.progress : undefined));
  } finally {
    if (timer) clearTimeout(timer);
    off();
    io.progress.stop();
  }
  return renderStatement(io, final, { session, streamed, saveImages: opts.saveImages });
}
