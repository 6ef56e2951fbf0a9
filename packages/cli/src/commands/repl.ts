/**
 * `sparkport repl`: a prompt in a session. Python blocks continue until a blank line (as in
 * Python's own prompt), Tab asks the session for completions, Ctrl-C cancels the running
 * statement, history lives in ~/.sparkport_history (or $SPARKPORT_HISTORY).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Parsed } from '../args.ts';
import { execute } from '../execute.ts';
import type { Ctx } from '../io.ts';
import { pickSession, whenReady } from '../session-pick.ts';

const HISTORY_SIZE = 1000;
const KINDS = ['pyspark', 'sql'];

export function historyPath(env: NodeJS.ProcessEnv): string {
  return env.SPARKPORT_HISTORY ?? path.join(os.homedir(), '.sparkport_history');
}

/** The file holds the oldest entry first; readline wants the newest first. */
export function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse().slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

function saveHistory(file: string, newestFirst: string[]): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${[...newestFirst].reverse().join('\n')}\n`, { mode: 0o600 });
  } catch {
    // History is a convenience: a read-only home must not break the prompt.
  }
}

/** Whether the lines typed so far make a whole statement, or the prompt should continue. */
export function isComplete(lines: string[], kind: string): boolean {
  const last = lines.at(-1) ?? '';
  if (last.endsWith('\\')) return false;
  if (kind === 'sql') return true;
  const code = lines.join('\n');
  const noTriple = code.replace(/("""|''')[\s\S]*?\1/g, '');
  if (/"""|'''/.test(noTriple)) return false;
  const stripped = noTriple.replace(/(["'])(?:\\.|(?!\1).)*\1/g, '').replace(/#.*$/gm, '');
  let depth = 0;
  for (const ch of stripped) depth += '([{'.includes(ch) ? 1 : ')]}'.includes(ch) ? -1 : 0;
  if (depth > 0) return false;
  // A block (a line ending in ':', or several lines) ends with a blank line, as in Python's prompt.
  const block = lines.length > 1 || /:\s*$/.test(lines[0] ?? '');
  return !block || last.trim() === '';
}

export async function replCommand(ctx: Ctx, p: Parsed): Promise<void> {
  const { client, io } = ctx;
  const session = await pickSession(ctx, p.opts.session);
  const info = await whenReady(ctx, session);
  let kind = (p.opts.kind as string | undefined) ?? (KINDS.includes(info.kind) ? info.kind : 'pyspark');
  const file = historyPath(io.env);
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    history: loadHistory(file),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: (line: string, done: (err: Error | null, result: [string[], string]) => void) => {
      const word = /\w*$/.exec(line)![0];
      client.complete(session, line, kind, line.length)
        .then((r) => done(null, [r.candidates, word]), () => done(null, [[], word]));
    },
  });
  rl.on('history', (h: string[]) => saveHistory(file, h));
  io.err(`session ${info.name ?? info.id} (${info.kind}). :help for help, Ctrl-D to leave.\n`);
  let buffer: string[] = [];
  let interrupt: (() => void) | undefined;
  rl.on('SIGINT', () => {
    if (interrupt) return interrupt();
    if (buffer.length) io.out('\n(cleared)\n');
    else io.out('\n(Ctrl-D or :quit to leave)\n');
    buffer = [];
    prompt();
  });
  const prompt = () => {
    rl.setPrompt(buffer.length ? '...'.padEnd(kind.length + 1) + ' ' : `${kind}> `);
    rl.prompt();
  };
  prompt();
  for await (const line of rl) {
    if (!buffer.length && line.trim().startsWith(':')) {
      const [cmd, arg] = line.trim().split(/\s+/);
      if (cmd === ':quit' || cmd === ':q' || cmd === ':exit') break;
      if (cmd === ':kind' && arg && KINDS.includes(arg)) kind = arg;
      else if (cmd === ':kind') io.err(`kind is ${kind} (${KINDS.join(' or ')})\n`);
      else io.err(':kind pyspark|sql   change the kind of what you type\n:quit               leave (also Ctrl-D)\n');
      prompt();
      continue;
    }
    if (!buffer.length && !line.trim()) { prompt(); continue; }
    buffer.push(line);
    if (!isComplete(buffer, kind)) { prompt(); continue; }
    // A trailing backslash continues a Python line by itself; in SQL it only meant "more to come".
    const code = (kind === 'sql' ? buffer.map((l) => l.replace(/\\$/, '')) : buffer).join('\n').trimEnd();
    buffer = [];
    try {
      await execute(ctx, session, code, {
        kind,
        saveImages: p.opts['save-images'] as string | undefined,
        onInterrupt: (h) => { interrupt = h; return () => { interrupt = undefined; }; },
      });
    } catch (e) {
      io.err(`${(e as Error).message}\n`);
    }
    prompt();
  }
  rl.close();
  io.out('\n');
}
