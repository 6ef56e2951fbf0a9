/**
 * A real Kerberos KDC for the SPNEGO tests: MIT Kerberos's krb5kdc (Debian's krb5-kdc and
 * krb5-admin-server, which scripts/setup.mjs installs) run as a process of the test, in a
 * temporary directory, listening on loopback only. It makes the realm's database, the service
 * principal HTTP/localhost and the users' principals, exports their keytabs, writes the
 * krb5.conf that clients and server use (KRB5_CONFIG), and gets each user a ticket-granting
 * ticket in a ticket cache of its own (KRB5CCNAME), as `kinit` does for a person.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const REALM = 'SPARKPORT.TEST';
export const SERVICE_PRINCIPAL = `HTTP/localhost@${REALM}`;

/** The programs, in Debian's places (krb5-kdc, krb5-admin-server, krb5-user). */
const BIN = { krb5kdc: '/usr/sbin/krb5kdc', kdb5_util: '/usr/sbin/kdb5_util', kadmin: '/usr/sbin/kadmin.local', kinit: '/usr/bin/kinit' };

/** Why the KDC cannot run on this machine, or null when it can. */
export function kdcMissing(): string | null {
  const missing = Object.values(BIN).filter((b) => !existsSync(b));
  return missing.length ? `not installed: ${missing.join(', ')} (apt-get install krb5-kdc krb5-admin-server krb5-user; scripts/setup.mjs does)` : null;
}

export interface Kdc {
  dir: string;
  realm: string;
  /** The krb5.conf for everyone talking to this KDC: set KRB5_CONFIG to it. */
  krb5Conf: string;
  /** The keytab with HTTP/localhost@REALM's keys, for the server (auth.negotiate.keytab). */
  serviceKeytab: string;
  servicePrincipal: string;
  /** Environment for a client acting as `user`: its own krb5.conf and ticket cache, holding a TGT. */
  clientEnv(user: string): Record<string, string>;
  /** Ticket cache path of `user` (FILE:), holding a TGT from kinit. */
  ccache(user: string): string;
  /** Milliseconds from the first command to the KDC answering. */
  startMs: number;
  stop(): Promise<void>;
}

const freePort = () => new Promise<number>((resolve, reject) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as net.AddressInfo).port;
    s.close(() => resolve(p));
  });
  s.on('error', reject);
});

function must(cmd: string, args: string[], env: NodeJS.ProcessEnv, what: string): void {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) throw new Error(`${what}: ${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}${r.stdout}`);
}

async function waitPort(port: number, ms: number, kdc: ChildProcess): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (kdc.exitCode !== null) throw new Error(`krb5kdc exited with ${kdc.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`krb5kdc did not listen on 127.0.0.1:${port} within ${ms} ms`);
}

/**
 * Starts a KDC for REALM with the service principal and these users (each with a keytab and a TGT).
 * `otherServices` (`HTTP/otherhost`) are added to the service keytab too, as a keytab shared by
 * several services would have them.
 */
export async function startKdc(users: string[], otherServices: string[] = []): Promise<Kdc> {
  const t0 = Date.now();
  const why = kdcMissing();
  if (why) throw new Error(why);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-kdc-'));
  const port = await freePort();
  const krb5Conf = path.join(dir, 'krb5.conf');
  const kdcConf = path.join(dir, 'kdc.conf');
  // No DNS anywhere (the machine has none to ask), TCP only, and loopback only.
  writeFileSync(krb5Conf, [
    '[libdefaults]',
    `  default_realm = ${REALM}`,
    '  dns_lookup_kdc = false',
    '  dns_lookup_realm = false',
    '  dns_canonicalize_hostname = false',
    '  rdns = false',
    '  udp_preference_limit = 1',
    '  ticket_lifetime = 1h',
    '[realms]',
    `  ${REALM} = {`,
    `    kdc = 127.0.0.1:${port}`,
    '  }',
    '[domain_realm]',
    `  localhost = ${REALM}`,
    `  127.0.0.1 = ${REALM}`,
    '',
  ].join('\n'));
  writeFileSync(kdcConf, [
    '[kdcdefaults]',
    `  kdc_listen = 127.0.0.1:${port}`,
    `  kdc_tcp_listen = 127.0.0.1:${port}`,
    '[realms]',
    `  ${REALM} = {`,
    `    database_name = ${dir}/principal`,
    `    key_stash_file = ${dir}/stash`,
    `    acl_file = ${dir}/kadm5.acl`,
    '    max_life = 1h',
    '  }',
    '[logging]',
    `  kdc = FILE:${dir}/kdc.log`,
    `  admin_server = FILE:${dir}/kadmin.log`,
    `  default = FILE:${dir}/krb5.log`,
    '',
  ].join('\n'));
  writeFileSync(path.join(dir, 'kadm5.acl'), '');
  const env = { ...process.env, KRB5_CONFIG: krb5Conf, KRB5_KDC_PROFILE: kdcConf };
  let kdc: ChildProcess | undefined;
  try {
    must(BIN.kdb5_util, ['create', '-s', '-r', REALM, '-P', 'master-password-of-a-test-realm'], env, 'creating the realm');
    const serviceKeytab = path.join(dir, 'http.keytab');
    const queries = ['addprinc -randkey HTTP/localhost', `ktadd -k ${serviceKeytab} HTTP/localhost`];
    for (const s of otherServices) queries.push(`addprinc -randkey ${s}`, `ktadd -k ${serviceKeytab} ${s}`);
    for (const u of users) queries.push(`addprinc -randkey ${u}`, `ktadd -k ${path.join(dir, `${u}.keytab`)} ${u}`);
    for (const q of queries) must(BIN.kadmin, ['-r', REALM, '-q', q], env, 'adding principals');
    kdc = spawn(BIN.krb5kdc, ['-n', '-r', REALM], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    kdc.stderr!.on('data', (c) => { stderr += c; });
    await waitPort(port, 10_000, kdc).catch((e: Error) => { throw new Error(`${e.message}: ${stderr}`); });
    const ccache = (u: string) => `FILE:${path.join(dir, `${u}.ccache`)}`;
    const clientEnv = (u: string) => ({ KRB5_CONFIG: krb5Conf, KRB5CCNAME: ccache(u) });
    for (const u of users) must(BIN.kinit, ['-k', '-t', path.join(dir, `${u}.keytab`), `${u}@${REALM}`], { ...process.env, ...clientEnv(u) }, `kinit ${u}`);
    const started = kdc;
    return {
      dir, realm: REALM, krb5Conf, serviceKeytab, servicePrincipal: SERVICE_PRINCIPAL, clientEnv, ccache, startMs: Date.now() - t0,
      stop: async () => {
        if (started.exitCode === null) {
          started.kill('SIGTERM');
          await new Promise((r) => { started.once('exit', r); setTimeout(r, 5000).unref(); });
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    kdc?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
