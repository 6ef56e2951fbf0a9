/**
 * Where local drivers call back: a Unix socket in the data directory rather than a TCP port.
 * A port on loopback can be taken by anyone on the machine while the server is down (session
 * code included: the sandbox shares the network), and a driver calling back would then talk to
 * the squatter; the socket's directory is the server's user's alone, and inside the sandbox it
 * is mounted read-only, so nobody can put their own socket in its place.
 */
import path from 'node:path';
import type { Config } from '../config.ts';

/** Longest path a Unix socket address holds on Linux, less a little. */
const MAX_SOCKET_PATH_BYTES = 100;

export function driverSocketDir(cfg: Pick<Config, 'dataDir'>): string {
  return path.join(path.resolve(cfg.dataDir), 'driver-socket');
}

/** The socket's path, or null when it would be too long for a socket address (TCP is used then). */
export function driverSocketPath(cfg: Pick<Config, 'dataDir'>): string | null {
  const p = path.join(driverSocketDir(cfg), 'driver.sock');
  return Buffer.byteLength(p) <= MAX_SOCKET_PATH_BYTES ? p : null;
}
