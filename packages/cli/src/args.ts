/**
 * The command line, parsed without side effects (so it is unit-tested apart from any server):
 * `sparkport [--url URL] [--json] <group> [<action>] [args] [options]`. Global options may come
 * anywhere; every mistake is a UsageError (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './exit.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

const GLOBAL: Options = {
  url: { type: 'string' },
  user: { type: 'string', short: 'u' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
const SESSION: Options = { session: { type: 'string', short: 's' } };
const KIND: Options = { kind: { type: 'string', short: 'k' } };
const CONF: Options = { conf: { type: 'string', short: 'c', multiple: true } };

interface Spec {
  /** Names of required positionals, then optional ones (suffix `?`), `...` for the rest. */
  args: string[];
  options: Options;
  summary: string;
}

export const COMMANDS: Record<string, Spec> = {
  'sessions list': { args: [], options: {}, summary: 'list sessions' },
  'sessions create': {
    args: [],
    options: {
      ...KIND, ...CONF,
      name: { type: 'string', short: 'n' },
      'driver-memory': { type: 'string' },
      'no-wait': { type: 'boolean' },
      timeout: { type: 'string' },
    },
    summary: 'create a session (-k pyspark (default)|spark|sql|shared, -n NAME, -c key=value, --no-wait)',
  },
  'sessions show': { args: ['session'], options: {}, summary: 'one session' },
  'sessions log': { args: ['session'], options: { size: { type: 'string' } }, summary: "a session's driver log" },
  'sessions delete': { args: ['session'], options: {}, summary: 'stop and forget a session' },
  'sessions connect': {
    args: ['session'], options: {},
    summary: "the session's Spark Connect URL, token included (a secret): pyspark --remote \"$(sparkport sessions connect 3)\"",
  },
  run: {
    args: ['code?'],
    options: {
      ...SESSION, ...KIND,
      file: { type: 'string', short: 'f' },
      'save-images': { type: 'string' },
      timeout: { type: 'string' },
    },
    summary: 'run code from an argument, a file (-f FILE, - for stdin) or stdin; printed lines stream as they come',
  },
  repl: { args: [], options: { ...SESSION, ...KIND, 'save-images': { type: 'string' } }, summary: 'an interactive prompt in a session' },
  'batch submit': {
    args: ['file', '...args'],
    options: {
      ...CONF,
      'class-name': { type: 'string' },
      name: { type: 'string', short: 'n' },
      'py-files': { type: 'string', multiple: true },
      jars: { type: 'string', multiple: true },
      files: { type: 'string', multiple: true },
      'driver-memory': { type: 'string' },
      follow: { type: 'boolean', short: 'F' },
      wait: { type: 'boolean', short: 'w' },
    },
    summary: 'submit a Python file or a jar (args after the file or after --); --follow streams its log',
  },
  'batch list': { args: [], options: {}, summary: 'list batches' },
  'batch status': { args: ['batch'], options: {}, summary: "a batch's state" },
  'batch logs': { args: ['batch'], options: { follow: { type: 'boolean', short: 'F' } }, summary: "a batch's log (--follow until it ends)" },
  'batch kill': { args: ['batch'], options: {}, summary: 'kill and forget a batch' },
  'shared list': { args: [], options: { ...SESSION }, summary: "everything shared in a session" },
  'shared get': { args: ['name', 'key?'], options: { ...SESSION, limit: { type: 'string' } }, summary: 'a value, or a page of a map or dataset' },
  'shared set': { args: ['name', 'key', 'value'], options: { ...SESSION, string: { type: 'boolean' } }, summary: 'set a key (VALUE is JSON, else a string; --string forces a string)' },
  'shared delete': { args: ['name', 'key?'], options: { ...SESSION }, summary: 'delete a key, or the whole map or dataset' },
  'shared load': {
    args: ['name', 'path'],
    options: { ...SESSION, format: { type: 'string' }, as: { type: 'string' } },
    summary: 'load a map or dataset (--format parquet|json, --as map|dataset)',
  },
  'shared save': {
    args: ['name', 'path'],
    options: { ...SESSION, format: { type: 'string' }, mode: { type: 'string' } },
    summary: 'save a map or dataset (--format parquet|json, --mode error|overwrite)',
  },
};

const GROUPS = ['sessions', 'batch', 'shared'];

export interface Parsed {
  command: string;
  url?: string;
  /** --user (Basic, the password from $SPARKPORT_PASSWORD) and --token (Bearer); see credentials(). */
  user?: string;
  token?: string;
  json: boolean;
  /** Named positionals (`rest` holds what `...` collected). */
  args: Record<string, string | undefined>;
  rest: string[];
  opts: Record<string, string | boolean | string[] | undefined>;
}

export type ParseResult = { help: true; command?: string } | ({ help: false } & Parsed);

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => commandLine(c).length));
  const lines = Object.keys(COMMANDS).map((c) => `  sparkport ${commandLine(c).padEnd(width)}  ${COMMANDS[c]!.summary}`);
  return [
    'usage: sparkport [--url URL] [--json] <command> [arguments] [options]',
    '',
    ...lines,
    `  sparkport ${'serve'.padEnd(width)}  start the server (sparkport serve --help)`,
    '',
    'Global options: --url URL (default $SPARKPORT_URL, else http://127.0.0.1:8998), --json (machine-readable',
    'output only on stdout). -s SESSION (id or name) defaults to $SPARKPORT_SESSION, else the only live session.',
    'On a server with authentication: -u/--user NAME (default $SPARKPORT_USER) with the password in $SPARKPORT_PASSWORD',
    '(never on the command line, where other users can read it), or a token in $SPARKPORT_TOKEN (--token TOKEN works, but shows in ps).',
    'Exit codes: 0 ok, 1 the code failed, 2 usage, 3 the server refused (4xx/5xx), 4 the server is unreachable.',
  ].join('\n');
}

function commandLine(c: string): string {
  return [c, ...COMMANDS[c]!.args.map((a) => (a.startsWith('...') ? `[${a.slice(3).toUpperCase()}...]` : a.endsWith('?') ? `[${a.slice(0, -1).toUpperCase()}]` : a.toUpperCase()))].join(' ');
}

/** Every option of every command, to find the command words before knowing the command. */
const ALL_OPTIONS: Options = Object.assign({}, GLOBAL, ...Object.values(COMMANDS).map((c) => c.options));

export function parseCommandLine(argv: string[]): ParseResult {
  if (argv.length === 0) throw new UsageError('no command given');
  const words = parseArgs({ args: argv, options: ALL_OPTIONS, allowPositionals: true, strict: false }).positionals;
  if (words[0] === 'help' || (words.length === 0 && (argv.includes('--help') || argv.includes('-h')))) return { help: true };
  const group = words[0]!;
  const command = GROUPS.includes(group) ? `${group} ${words[1] ?? ''}`.trim() : group;
  const spec = COMMANDS[command];
  if (!spec) {
    if (GROUPS.includes(group)) {
      const actions = Object.keys(COMMANDS).filter((c) => c.startsWith(`${group} `)).map((c) => c.split(' ')[1]);
      throw new UsageError(words[1] ? `unknown command '${command}' (${group} takes ${actions.join(', ')})` : `'${group}' needs an action: ${actions.join(', ')}`);
    }
    throw new UsageError(`unknown command '${group}'`);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...GLOBAL, ...spec.options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`);
  }
  const { values } = parsed;
  if (values.help) return { help: true, command };
  const positionals = parsed.positionals.slice(command.split(' ').length);
  const args: Record<string, string | undefined> = {};
  let rest: string[] = [];
  const required = spec.args.filter((a) => !a.endsWith('?') && !a.startsWith('...'));
  if (positionals.length < required.length) {
    throw new UsageError(`${command}: missing ${required.slice(positionals.length).map((a) => a.toUpperCase()).join(' ')}`);
  }
  spec.args.forEach((a, i) => {
    if (a.startsWith('...')) rest = positionals.slice(i);
    else args[a.replace(/\?$/, '')] = positionals[i];
  });
  if (!spec.args.some((a) => a.startsWith('...')) && positionals.length > spec.args.length) {
    throw new UsageError(`${command}: unexpected argument '${positionals[spec.args.length]}'`);
  }
  const { url, json, user, token, help: _h, ...opts } = values as Record<string, string | boolean | string[] | undefined>;
  return {
    help: false, command, url: url as string | undefined, json: json === true, args, rest, opts,
    ...(user === undefined ? {} : { user: user as string }), ...(token === undefined ? {} : { token: token as string }),
  };
}

/**
 * What to authenticate with: options first, then SPARKPORT_USER + SPARKPORT_PASSWORD (Basic) or
 * SPARKPORT_TOKEN (Bearer); nothing when none is set. The password comes only from the
 * environment: a command line is visible to every user of the machine.
 */
export function credentials(p: Pick<Parsed, 'user' | 'token'>, env: NodeJS.ProcessEnv): { user: string; password: string } | { token: string } | null {
  if (p.user !== undefined && p.token !== undefined) throw new UsageError('give --user or --token, not both');
  const token = p.user === undefined ? p.token ?? env.SPARKPORT_TOKEN : undefined;
  if (token) return { token };
  const user = p.user ?? env.SPARKPORT_USER;
  if (!user) return null;
  if (env.SPARKPORT_PASSWORD === undefined) throw new UsageError(`--user ${user} needs the password in SPARKPORT_PASSWORD`);
  return { user, password: env.SPARKPORT_PASSWORD };
}

/**
 * What to warn about on stderr before running: a token given as --token is in the command line,
 * which any user of the machine can read (ps, /proc/PID/cmdline). It still works.
 */
export function commandLineWarnings(p: Pick<Parsed, 'token'>): string[] {
  if (p.token === undefined) return [];
  return ['sparkport: warning: --token puts the token where other users of this machine can read it (ps); set SPARKPORT_TOKEN instead'];
}

/** `key=value` pairs (from repeated `-c`) into an object. */
export function parseConf(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs?.length) return undefined;
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`--conf takes key=value, got '${p}'`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/** A number of seconds from an option, or undefined. */
export function seconds(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n)) throw new UsageError(`--${name} takes a number of seconds, got '${String(v)}'`);
  return n;
}
