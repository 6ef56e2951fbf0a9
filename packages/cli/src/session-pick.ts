/**
 * Which session a command talks to: -s, else $SPARKPORT_SESSION, else the only live one. And a
 * wait, with a spinner, while it starts.
 */
import { sessionMachine, type Session } from '@sparkport/client';
import { UsageError } from './exit.ts';
import type { Ctx } from './io.ts';

export async function pickSession(ctx: Ctx, explicit: unknown): Promise<string | number> {
  const chosen = (typeof explicit === 'string' && explicit) || ctx.io.env.SPARKPORT_SESSION;
  if (chosen) return /^\d+$/.test(chosen) ? Number(chosen) : chosen;
  const live = (await ctx.client.listSessions()).sessions.filter((s) => sessionMachine.is(s.state, 'live'));
  if (live.length === 1) return live[0]!.id;
  if (live.length === 0) throw new UsageError('no live session: create one with `sparkport sessions create`, or pass -s');
  throw new UsageError(`several live sessions (${live.map((s) => s.name ?? s.id).join(', ')}): choose one with -s ID|NAME`);
}

/** Waits until the session can run code, showing its state while it starts. */
export async function whenReady(ctx: Ctx, session: string | number, timeoutMs = 600_000): Promise<Session> {
  const first = await ctx.client.getSession(session);
  if (sessionMachine.is(first.state, 'ready')) return first;
  try {
    return await ctx.client.waitForSession(session, timeoutMs, (s) => ctx.io.progress.update(`session ${s.name ?? s.id} ${s.state}`));
  } finally {
    ctx.io.progress.stop();
  }
}
