/**
 * A session's driver in cluster deploy mode: spark-submit ships the Python driver (a zip of the
 * sparkport_driver package, --py-files) and the Scala helper jar (--jars) with the application,
 * the cluster manager starts it in the cluster's driver container, and it calls back to the
 * server's TCP listener at its advertised address. The server then follows the application
 * through the cluster manager (cluster/cluster-app.ts): that is the session's process, whose
 * kill is the cluster manager's kill, and which a restarted server finds again by its id.
 *
 * No file of the server's reaches the driver there, so its settings travel as environment
 * variables the cluster manager sets in the driver's container (spark.yarn.appMasterEnv.*,
 * spark.kubernetes.driverEnv.*). They go through a properties file only the server's user can
 * read, not the command line, because any local user can read a command line: the one-time
 * token among them. Spark redacts it in its UI (its key names a token), and it is worthless
 * once the driver has said hello.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { DriverProcess, SessionLaunch, SessionLauncher } from '../domain/ports/launcher.ts';
import { placementOf } from '../domain/placement.ts';
import type { SessionRecord } from '../domain/records.ts';
import { ensurePrivateDir, writePrivateFile } from '../private-files.ts';
import { cleanEnv } from './clean-env.ts';
import { driverTls } from './driver-tls.ts';
import { adoptClusterApp, ClusterApp } from './cluster/cluster-app.ts';
import { driverEnvConf, presetSubmissionId } from './cluster/cluster-conf.ts';
import { clusterManagerFor } from './cluster/cluster-manager.ts';
import { adoptDetached, spawnDetached } from './detached-process.ts';
import { sessionLogFiles, sessionRunFiles, withDriverJvmOptions } from './local-launcher.ts';
import { launchCommand } from './sandbox.ts';
import { withScalaSupport } from './scala-support.ts';
import { sparkHomeOf, sparkSubmitOf } from './spark-home.ts';
import { buildSubmitArgs } from './submit-args.ts';

/** The driver's entry script, spark-submit's primary resource: the package itself comes as a zip. */
export const CLUSTER_DRIVER_SCRIPT = 'sparkport_cluster_driver.py';

const zips = new Map<string, string>();

/**
 * The sparkport_driver package as a zip (protocol.json inside it), built once per server from
 * the package directory, so the driver shipped is always this server's.
 */
export function driverZip(cfg: Config): string {
  const out = path.join(cfg.dataDir, 'cluster', 'sparkport_driver.zip');
  if (zips.get(cfg.dataDir) === out && existsSync(out)) return out;
  ensurePrivateDir(path.dirname(out));
  const script = [
    'import os, sys, zipfile',
    'src, out = sys.argv[1], sys.argv[2]',
    'with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:',
    '    for root, dirs, files in os.walk(os.path.join(src, "sparkport_driver")):',
    '        dirs[:] = [d for d in dirs if d != "__pycache__"]',
    '        for f in files:',
    '            if not f.endswith(".pyc"):',
    '                p = os.path.join(root, f)',
    '                z.write(p, os.path.relpath(p, src))',
  ].join('\n');
  const r = spawnSync(cfg.spark.python, ['-c', script, cfg.spark.driverPackageDir, `${out}.tmp`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not zip the driver package: ${r.stderr || r.error?.message}`);
  renameSync(`${out}.tmp`, out);
  zips.set(cfg.dataDir, out);
  return out;
}

/** The environment the driver gets in its container (cluster-conf.ts's driverEnvConf puts it there). */
export function clusterDriverEnv(spec: SessionLaunch, cfg: Config): Record<string, string> {
  const env: Record<string, string> = {
    SPARKPORT_CONNECT: spec.connect,
    SPARKPORT_TOKEN: spec.token,
    SPARKPORT_SESSION_ID: String(spec.session.id),
    PYTHONUNBUFFERED: '1',
    MPLBACKEND: 'Agg',
  };
  const tls = driverTls(cfg);
  if (tls) env.SPARKPORT_TLS_CERT = tls.leafPem;
  return env;
}

/** spark-submit's arguments for a cluster-mode driver: its spec, Scala's support, the shipped package and script. */
export function clusterSessionSubmitArgs(spec: SessionLaunch, cfg: Config, zip: string, propertiesFile: string): string[] {
  // The interpreter's class directory is in the driver's container, relative to where it runs.
  const args = withDriverJvmOptions(withScalaSupport(buildSubmitArgs(spec.session, spec.session.id, cfg, spec.workDir), cfg, '.'));
  const i = args.indexOf('--py-files');
  if (i >= 0) args[i + 1] = `${zip},${args[i + 1]}`;
  else args.push('--py-files', zip);
  args.push('--properties-file', propertiesFile, '--load-spark-defaults');
  args.push(path.join(cfg.spark.driverPackageDir, CLUSTER_DRIVER_SCRIPT));
  return args;
}

/** Java properties-file escaping: the values are PEM text and tokens, keys conf names. */
const propertyLine = (k: string, v: string) => `${k}=${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}`;

export class ClusterSessionLauncher implements SessionLauncher {
  constructor(private readonly cfg: Config) {}

  launch(spec: SessionLaunch): DriverProcess {
    const cfg = this.cfg;
    const placement = placementOf(spec.session, cfg);
    const manager = clusterManagerFor(placement, cfg);
    const { home, sparkSubmit } = sparkSubmitOf(sparkHomeOf(cfg));
    ensurePrivateDir(spec.workDir);
    mkdirSync(path.join(spec.workDir, 'tmp'), { recursive: true, mode: 0o700 });
    const props = path.join(spec.workDir, 'driver-env.properties');
    const conf = driverEnvConf(placement, clusterDriverEnv(spec, cfg));
    writePrivateFile(props, `${Object.entries(conf).map(([k, v]) => propertyLine(k, v)).join('\n')}\n`);
    const run = sessionRunFiles(cfg, spec.session.id);
    // The package goes into the work directory: spark-submit runs sandboxed, with the rest of the
    // data directory out of its sight, and loads the request's jars (sandbox.ts).
    const zip = path.join(spec.workDir, 'sparkport_driver.zip');
    copyFileSync(driverZip(cfg), zip);
    const args = clusterSessionSubmitArgs(spec, cfg, zip, props);
    const cmd = launchCommand(cfg, spec.workDir, sparkSubmit, args);
    const proc = spawnDetached({
      name: 'spark-submit',
      command: cmd.command,
      args: cmd.args,
      cwd: spec.workDir,
      env: { ...cleanEnv(cfg), SPARK_HOME: home, PYTHONUNBUFFERED: '1' },
      run,
      ...sessionLogFiles(spec.workDir),
      maxLogBytes: cfg.logs.maxBytes,
    });
    // The token is in the cluster's hands once spark-submit is done: no copy stays here.
    proc.onExit(() => rmSync(props, { force: true }));
    return new ClusterApp(manager, run, proc, { pollMs: cfg.cluster.pollMs, master: placement.master }, presetSubmissionId(placement, cfg, 'session', spec.session.id));
  }

  /** The application an earlier server submitted, followed again by its id; its driver calls back on its own. */
  adopt(session: SessionRecord, _workDir: string): DriverProcess | null {
    const run = sessionRunFiles(this.cfg, session.id);
    const placement = placementOf(session, this.cfg);
    const submit = () => adoptDetached(run, { name: 'spark-submit', maxLogBytes: this.cfg.logs.maxBytes, replayLines: this.cfg.limits.logLines });
    return adoptClusterApp(clusterManagerFor(placement, this.cfg), run, submit, this.cfg.cluster.pollMs);
  }
}
