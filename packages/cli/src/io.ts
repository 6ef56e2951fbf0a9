/**
 * Where a command writes: results to stdout, everything for people (progress, notes, errors) to
 * stderr. Injectable, so commands run in tests without a terminal.
 */
import type { SparkportClient } from '@sparkport/client';
import { Progress } from './progress.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  progress: Progress;
  /** --json: one JSON document on stdout, nothing else there. */
  json: boolean;
  env: NodeJS.ProcessEnv;
  stdinIsTty: boolean;
  readStdin(): Promise<string>;
}

export interface Ctx { client: SparkportClient; io: Io }

export function processIo(json: boolean): Io {
  const progress = new Progress(process.stderr, Boolean(process.stderr.isTTY) || process.env.SPARKPORT_PROGRESS === '1');
  return {
    out: (t) => { progress.clear(); process.stdout.write(t); },
    err: (t) => { progress.clear(); process.stderr.write(t); },
    progress,
    json,
    env: process.env,
    stdinIsTty: Boolean(process.stdin.isTTY),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/** Writes a value as the command's JSON result. */
export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}
