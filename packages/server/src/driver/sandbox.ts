/**
 * The sandbox a session's driver, and every spark-submit (a batch's, which runs its code in
 * client mode; a cluster-mode submission's, which loads the request's jars), runs in
 * (sessions.sandbox), with bubblewrap: the same file system and network, but a pid namespace of its own (the server's
 * /proc/<pid>/environ and other sessions' processes are out of sight) and the data directory
 * replaced by an empty one, into which only the launch's own work directory and the shared and
 * allowed directories are mounted back (the store, the audit log, other sessions' pending
 * tokens and the run directory, which names the processes the server adopts, are out of reach). Files the settings name as secrets (htpasswd, token and JWKS files,
 * the keytab, the TLS key) read as empty. Session code still runs as the server's OS user; this
 * takes away what that user's files and processes would otherwise give it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { ensurePrivateDir } from '../private-files.ts';
import { driverSocketDir } from './driver-socket.ts';

const BWRAP = '/usr/bin/bwrap';
let works: boolean | undefined;

/** Whether bubblewrap is installed and may make namespaces here (checked once). */
export function bwrapWorks(): boolean {
  works ??= existsSync(BWRAP) && spawnSync(BWRAP, ['--dev-bind', '/', '/', '--unshare-pid', '--proc', '/proc', 'true'], { timeout: 10_000 }).status === 0;
  return works;
}

/** Whether launches are sandboxed: 'auto' when bubblewrap works, 'bwrap' always (or the server refuses to start). */
export function sandboxOn(cfg: Config): boolean {
  if (!['auto', 'bwrap', 'none'].includes(cfg.sessions.sandbox)) throw new Error(`sessions.sandbox must be auto, bwrap or none, got '${cfg.sessions.sandbox}'`);
  if (cfg.sessions.sandbox === 'none') return false;
  if (bwrapWorks()) return true;
  if (cfg.sessions.sandbox === 'bwrap') throw new Error(`sessions.sandbox is 'bwrap' but ${BWRAP} is missing or cannot make namespaces here (apt-get install bubblewrap)`);
  return false;
}

const inside = (p: string, dir: string) => p === dir || p.startsWith(dir + path.sep);

/** The command line that runs `command args` in the sandbox, in workDir. */
export function sandboxed(cfg: Config, workDir: string, command: string, args: string[]): { command: string; args: string[] } {
  const data = path.resolve(cfg.dataDir);
  const mounts = ['--dev-bind', '/', '/', '--unshare-pid', '--proc', '/proc', '--tmpfs', data, '--bind', workDir, workDir];
  // Shared data is read and written by session code; the allowed directories only read.
  for (const d of cfg.shared.allowedDirs) {
    if (!inside(d, data)) continue;
    ensurePrivateDir(d);
    mounts.push('--bind', d, d);
  }
  for (const d of [...cfg.sessions.allowedDirs, ...cfg.batches.allowedDirs]) if (inside(d, data) && existsSync(d)) mounts.push('--ro-bind', d, d);
  // The driver calls back through the server's socket; read-only, so nothing in here can take its place.
  const sockets = driverSocketDir(cfg);
  if (existsSync(sockets)) mounts.push('--ro-bind', sockets, sockets);
  const secrets = [
    cfg.auth.basic.htpasswdFile, cfg.auth.tokens.file, cfg.auth.jwt.jwksFile, cfg.auth.negotiate.keytab, cfg.http.tls.keyFile, cfg.audit.file,
  ];
  for (const f of secrets) if (f && !inside(path.resolve(f), data) && existsSync(f)) mounts.push('--ro-bind', '/dev/null', path.resolve(f));
  // bwrap's parent is the launch wrapper (launch-wrapper.ts), not the server, so the sandbox
  // outlives a server restart; the flag kills it when bwrap itself dies (a SIGTERM to the group
  // ends bwrap at once), where the driver would otherwise run on unseen after its end was
  // recorded. Orphans across restarts are the driver's reconnect grace period's business, and
  // the restarted server's, which adopts or stops what it finds in its run directory.
  return { command: BWRAP, args: [...mounts, '--die-with-parent', '--chdir', workDir, '--', command, ...args] };
}

/** `command args` as launches run it: in the sandbox when sessions.sandbox has it on, as it is otherwise. */
export function launchCommand(cfg: Config, workDir: string, command: string, args: string[]): { command: string; args: string[] } {
  return sandboxOn(cfg) ? sandboxed(cfg, workDir, command, args) : { command, args };
}
