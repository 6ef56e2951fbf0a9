/**
 * Spark Connect faces (setting connect.*, README "Spark Connect"): with connect.enabled, each
 * session's driver also serves Spark Connect, in its own JVM, on the session's own SparkSession
 * (PROTOCOL.md §3: the welcome's `connect` asks for it, `ready` says where it is).
 *
 * What the server knows of a face is in memory only (SessionRuntime.connect): its token is a
 * secret that opens the session to anyone who holds it, so it is never stored; after a server
 * restart the driver's `resumed` brings it back. The token is given out only by
 * GET /sessions/{id}/spark-connect, to whoever may modify the session (running Connect queries is
 * running code), and each time it is, the audit log says so (the endpoint's `audit`). The URL in
 * appInfo has no token.
 */
import os from 'node:os';
import { sessionMachine, type ConnectFace, type ConnectSettings } from '@sparkport/protocol';
import type { Config } from '../config.ts';
import { parsePortRange } from '../port-range.ts';
import { conflict, notFound } from './errors.ts';
import { placementOf } from './placement.ts';
import type { SessionRecord } from './records.ts';
import type { SessionRuntime } from './session-runtime.ts';

/** Refuses connect.* settings that could never work, at start-up rather than in every session. */
export function checkConnectSettings(cfg: Pick<Config, 'connect'>): void {
  parsePortRange(cfg.connect.portRange, 'connect.portRange');
  if (!cfg.connect.host.trim()) throw new Error('connect.host must be an address to bind, e.g. 127.0.0.1');
}

/**
 * What the welcome asks of this session's driver, or undefined for no face: the setting is off,
 * or the driver runs in the cluster (cluster deploy mode), on a machine whose loopback no client
 * of this server can reach.
 */
export function connectSettings(cfg: Pick<Config, 'connect' | 'spark'>, session: SessionRecord): ConnectSettings | undefined {
  if (!cfg.connect.enabled || placementOf(session, cfg).deployMode === 'cluster') return undefined;
  const { low, high } = parsePortRange(cfg.connect.portRange, 'connect.portRange');
  return { host: bindHost(cfg.connect.host), port_low: low, port_high: high };
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/**
 * The address a driver binds: connect.host, but `localhost` as 127.0.0.1, so that the address
 * clients are given is the one bound. A name that resolves to two addresses (::1 and 127.0.0.1)
 * would let a client reach whatever listens on the one the face did not bind.
 */
export function bindHost(host: string): string {
  const h = host.trim();
  return h.toLowerCase() === 'localhost' ? '127.0.0.1' : h;
}

/**
 * The host clients should name: the address bound, never `localhost` (gRPC tries ::1 first, where
 * any local process could listen on the face's port and be sent its token). A wildcard bind is
 * reached by the machine's name.
 */
export function connectHost(host: string, machineName = os.hostname()): string {
  const h = bindHost(host).replace(/^\[(.*)\]$/, '$1');
  const name = WILDCARD.has(h) ? machineName : h;
  return name.includes(':') ? `[${name}]` : name;
}

/**
 * The `sc://` URL of a face, as clients must use it: its session_id and user_id select the
 * session's own SparkSession (another pair gets an isolated one). With the token when asked, as
 * `x-sparkport-token`: not a parameter Spark Connect knows, so its clients send it as a header of
 * that name with every call (the connection string's rule), which the face checks. Not Spark's
 * `token`: that one pyspark sends without TLS only to a host named `localhost`.
 */
export function sparkConnectUrl(face: ConnectFace, host: string, withToken = false): string {
  const token = withToken ? `;x-sparkport-token=${face.token}` : '';
  return `sc://${connectHost(host)}:${face.port}/;session_id=${face.session_id};user_id=${face.user_id}${token}`;
}

/** appInfo.sparkConnectUrl: the URL without its token, or null when the session has no face (now). */
export function publicConnectUrl(rt: SessionRuntime, cfg: Pick<Config, 'connect'>): string | null {
  if (!rt.connect || sessionMachine.is(rt.record.state, 'finished')) return null;
  return sparkConnectUrl(rt.connect, cfg.connect.host);
}

/** GET /sessions/{id}/spark-connect: the URL with its token, or why there is none. */
export function connectCredentials(rt: SessionRuntime, cfg: Pick<Config, 'connect'>): { url: string; token: string } {
  if (!cfg.connect.enabled) notFoundOff();
  const state = rt.record.state;
  if (!sessionMachine.is(state, 'live')) {
    throw conflict(`Session ${rt.id} is ${state}: its Spark Connect endpoint has ended with its driver`, 'SESSION_NOT_ACTIVE');
  }
  if (!rt.connect) {
    throw conflict(
      state === 'starting' || state === 'not_started' || state === 'recovering'
        ? `Session ${rt.id} is ${state}: its Spark Connect endpoint is known once its driver is ready (or back); try again then`
        : `Session ${rt.id} has no Spark Connect endpoint: its driver could not start one (the session's log says why), or it started before connect.enabled was on`,
      'SESSION_NOT_ACTIVE',
    );
  }
  return { url: sparkConnectUrl(rt.connect, cfg.connect.host, true), token: rt.connect.token };
}

function notFoundOff(): never {
  throw notFound('Spark Connect is off on this server: the operator turns it on with the setting connect.enabled');
}
