/**
 * `sparkport <command>`: the command-line client. Every request goes through @sparkport/client;
 * this package only parses, prints and picks exit codes.
 */
import { SparkportClient, SparkportError } from '@sparkport/client';
import { commandLineWarnings, credentials, parseCommandLine, usage, type Parsed } from './args.ts';
import { batchCommand } from './commands/batch.ts';
import { replCommand } from './commands/repl.ts';
import { runCommand } from './commands/run.ts';
import { sessionsCommand } from './commands/sessions.ts';
import { sharedCommand } from './commands/shared.ts';
import { EXIT, Failed, UsageError, exitCodeFor } from './exit.ts';
import { processIo, type Ctx } from './io.ts';

export function dispatch(ctx: Ctx, p: Parsed): Promise<void> {
  const group = p.command.split(' ')[0];
  if (group === 'sessions') return sessionsCommand(ctx, p);
  if (group === 'batch') return batchCommand(ctx, p);
  if (group === 'shared') return sharedCommand(ctx, p);
  if (group === 'run') return runCommand(ctx, p);
  return replCommand(ctx, p);
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  let auth;
  try {
    parsed = parseCommandLine(argv);
    if (!parsed.help) {
      auth = credentials(parsed, process.env);
      for (const w of commandLineWarnings(parsed)) process.stderr.write(`${w}\n`);
    }
  } catch (e) {
    const help = argv.length ? "run 'sparkport --help' for the commands and options" : usage();
    process.stderr.write(`sparkport: ${(e as Error).message}\n${help}\n`);
    return EXIT.usage;
  }
  if (parsed.help) {
    process.stdout.write(`${usage()}\n`);
    return EXIT.ok;
  }
  const io = processIo(parsed.json);
  const client = new SparkportClient({ baseUrl: parsed.url ?? process.env.SPARKPORT_URL ?? 'http://127.0.0.1:8998', auth });
  try {
    await dispatch({ client, io }, parsed);
    return EXIT.ok;
  } catch (e) {
    io.progress.stop();
    if (e instanceof Failed) {
      if (e.message) io.err(`${e.message}\n`);
    } else if (e instanceof UsageError) {
      io.err(`sparkport: ${e.message}\n`);
    } else if (e instanceof SparkportError) {
      io.err(`sparkport: ${e.message} (${e.status} ${e.code})\n`);
      if (io.json) process.stdout.write(`${JSON.stringify({ error: { status: e.status, code: e.code, msg: e.message } })}\n`);
    } else {
      io.err(`sparkport: ${(e as Error).message ?? String(e)}\n`);
    }
    return exitCodeFor(e);
  }
}
