/**
 * Every setting, with its default. Precedence: defaults < config file (JSON) < environment
 * (SPARKPORT_*) < command-line flags. Defaults fit one small machine: a 2-core box runs a few
 * local Spark drivers at most.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSecurityConfig, type SecurityConfig } from './config-security.ts';
import { checkAccessPolicy } from './domain/access.ts';
import { checkPlacementSettings } from './domain/placement.ts';
import { checkConnectSettings } from './domain/spark-connect.ts';
import { checkStandaloneRestUrl } from './driver/cluster/cluster-conf.ts';
import { checkConnectionSettings } from './http/connection-limit.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Config extends SecurityConfig {
  host: string;
  port: number;
  dataDir: string;
  spark: {
    /** local[*], spark://host:7077, yarn, k8s://https://…: the same server, by configuration. */
    master: string;
    /** Where drivers run: client (on this machine) or cluster (inside the cluster; not for a local master). */
    deployMode: 'client' | 'cluster';
    /** Other masters a request may choose with conf spark.master; none by default (domain/placement.ts). */
    allowedMasters: string[];
    /** Deploy modes a request may choose with conf spark.submit.deployMode besides spark.deployMode. */
    allowedDeployModes: string[];
    python: string;
    driverPackageDir: string;
    /** The Scala interpreter helper behind kind spark (built by `npm run setup`), passed with --jars. */
    scalaHelperJar: string;
    /** Applied to every session and batch under the user's conf; users' conf wins. */
    defaultConf: Record<string, string>;
    /**
     * Applied to every session and batch after the user's conf, so these win; requests naming one
     * of these keys (in conf, or through a field such as executorMemory) are refused.
     */
    forcedConf: Record<string, string>;
    defaultDriverMemory: string;
    /**
     * Conf keys (or patterns, `*` for any run of characters) requests may not set, on top of the
     * built-in table (domain/spark-conf-rules.ts, docs/API.md).
     */
    blockedConf: string[];
    /** Built-in entries of that table requests may set after all (keys or patterns); `*` lifts all but the server's own. */
    allowedConf: string[];
    /** URI schemes a session's or batch's jars, pyFiles, files and archives, and shared data's save, load and preload paths, may use besides local paths in the allowed directories. */
    allowedSchemes: string[];
    /**
     * Variables of the server's environment drivers and spark-submit get, besides the built-in
     * allow-list (driver/clean-env.ts): names, or prefixes ending in `*`. SPARKPORT_* never passes.
     */
    passEnv: string[];
  };
  driver: {
    /**
     * Address the TCP driver listener binds. Drivers on this machine call back on a Unix socket;
     * drivers in the cluster (cluster deploy mode) call this listener, at advertiseHost when set.
     */
    listenHost: string;
    advertiseHost: string | null;
    listenPort: number;
    /**
     * Ports to listen on, `low-high`, the first free one taken (listenPort is then unused). A
     * cluster-mode driver calls back on the port it was launched with, also after a server
     * restart, so a restarted server should get the same one: a narrow range does that.
     */
    portRange: string | null;
    /** TLS on the TCP driver listener (PEM files); cluster-mode drivers then trust this certificate only. */
    tls: { certFile: string | null; keyFile: string | null };
    /**
     * Cluster-mode drivers may call back without TLS: their token and every statement then cross
     * the network in the clear. Off: cluster deploy mode on YARN or Kubernetes needs driver.tls.
     */
    allowPlaintext: boolean;
  };
  /**
   * A Spark Connect endpoint in each session's driver (domain/spark-connect.ts), serving the
   * session's own SparkSession to Spark Connect clients; client deploy mode only.
   */
  connect: {
    enabled: boolean;
    /** Ports the endpoints take, `low-high`: each driver the first free one. */
    portRange: string;
    /**
     * Address they bind (`localhost` binds 127.0.0.1), and the one the URL names. Spark Connect
     * has no TLS of its own: off loopback, its token would cross the network in the clear, so
     * clients elsewhere need a TLS-terminating proxy in front.
     */
    host: string;
  };
  /** Cluster managers: how the server follows and kills applications running in a cluster. */
  cluster: {
    /** The Python that cluster-mode drivers and cluster executors run (spark.pyspark.python); null means spark.python. */
    python: string | null;
    /** How often the state of a cluster-mode application is asked of its cluster manager. */
    pollMs: number;
    yarn: {
      /** The ResourceManager's web address (http://host:8088); null: read from yarn-site.xml in HADOOP_CONF_DIR or YARN_CONF_DIR. */
      resourceManagerUrl: string | null;
    };
    standalone: {
      /** The master's REST submission server (spark.master.rest.enabled), which cluster-mode submissions and kills use; null: the master's host, port 6066. */
      restUrl: string | null;
    };
    kubernetes: {
      namespace: string;
      /** The container image drivers and executors run (spark.kubernetes.container.image); needed for Kubernetes. */
      image: string | null;
      /** The service account the driver pod creates executors with. */
      serviceAccount: string | null;
    };
  };
  sessions: {
    /** Live sessions at once; -1 (the default): as many as the machine's memory holds at the driver memory sessions get (domain/capacity.ts). */
    max: number;
    maxStarting: number;
    startTimeoutMs: number;
    shutdownTimeoutMs: number;
    timeoutCheck: boolean;
    idleTimeout: string;
    ttlCheck: boolean;
    ttl: string;
    stateRetainMs: number;
    reconcileIntervalMs: number;
    /** Local directories a session's jars, pyFiles, files and archives may come from; empty means batches.allowedDirs. */
    allowedDirs: string[];
    /** Session drivers in a bubblewrap sandbox (driver/sandbox.ts): 'auto' when it works here, 'bwrap' always, 'none'. */
    sandbox: 'auto' | 'bwrap' | 'none';
    /** How long a driver whose connection dropped (or whose server restarted) may take to call back before its session is dead. */
    reconnectGraceMs: number;
    /** How often the server pings each ready driver's control thread, and how long an answer may take. */
    pingIntervalMs: number;
    pingTimeoutMs: number;
    /** Statements waiting in one session's queue; one more is a 429. */
    maxQueuedStatements: number;
    /**
     * Drivers started ahead, so that a session's start is a claim (domain/warm-pool.ts says which
     * requests a warm driver serves); -1: one on a local master, none on a cluster.
     */
    warmDrivers: number;
  };
  /** What happens on SIGTERM or SIGINT. */
  shutdown: {
    /** Stop every session driver and batch too (otherwise they keep running for the next server). */
    stopDrivers: boolean;
    /** How long requests in flight get to finish before their connections are closed. */
    drainMs: number;
  };
  shared: {
    /** Local directories shared data may be saved to and loaded from (other URIs need a scheme in spark.allowedSchemes). */
    allowedDirs: string[];
  };
  batches: {
    /** Local directories a batch's file, jars, pyFiles, files and archives may come from (Livy's livy.file.local-dir-whitelist); other URIs need a scheme in spark.allowedSchemes. */
    allowedDirs: string[];
    /** Batches running at once; one more create is a 429. */
    max: number;
    /** How long a killed batch gets to exit after SIGTERM before SIGKILL. */
    killTimeoutMs: number;
    /** Lines of spark-submit output kept per batch (and stored when it ends). */
    logLines: number;
    /** The Spark distribution whose bin/spark-submit runs batches; null means the venv's pyspark. */
    sparkHome: string | null;
  };
  /** The stdout and stderr files of drivers and batches, in their work directories. */
  logs: {
    /** A log file bigger than this is copied to <name>.1 and emptied, while a server watches it. */
    maxBytes: number;
  };
  limits: {
    sharedValueBytes: number;
    sharedPageSize: number;
    bodyBytes: number;
    outputRows: number;
    outputTextBytes: number;
    logLines: number;
    maxWaitSeconds: number;
    /** Requests held open by `?wait` at once, on the whole server and per user (per address with authentication off); one more is a 429. */
    longPolls: number;
    longPollsPerUser: number;
    /** Event streams (SSE) open at once, on the whole server and per user; one more is a 429. */
    eventStreams: number;
    eventStreamsPerUser: number;
    /** Unread bytes one event stream may have queued before its output and progress events are dropped (a `dropped` event then says how many). */
    eventStreamBufferBytes: number;
    /** Stored bytes of statements one GET /sessions/{id}/statements answer carries; past them the page ends early, with `next`. */
    statementListBytes: number;
  };
  log: {
    /** The server's JSON log (pino): trace, debug, info, warn, error, fatal or silent. */
    level: string;
    /** A line for each request as it comes and as it is answered. */
    requests: boolean;
  };
}

export function defaultConfig(): Config {
  return {
    ...defaultSecurityConfig(),
    host: '127.0.0.1',
    port: 8998,
    dataDir: path.join(process.cwd(), '.sparkport'),
    spark: {
      master: 'local[*]',
      deployMode: 'client',
      allowedMasters: [],
      allowedDeployModes: [],
      python: path.join(REPO_ROOT, '.venv', 'bin', 'python'),
      driverPackageDir: path.join(REPO_ROOT, 'driver'),
      scalaHelperJar: path.join(REPO_ROOT, 'driver', 'scala', 'target', 'sparkport-scala.jar'),
      defaultConf: {
        'spark.ui.showConsoleProgress': 'false',
        'spark.sql.catalogImplementation': 'in-memory',
        'spark.ui.port': '0',
        'spark.sql.shuffle.partitions': '8',
      },
      forcedConf: {},
      defaultDriverMemory: '1g',
      blockedConf: [],
      allowedConf: [],
      allowedSchemes: ['hdfs', 's3a', 'gs', 'abfs', 'abfss', 'wasb', 'wasbs'],
      passEnv: [],
    },
    driver: { listenHost: '127.0.0.1', advertiseHost: null, listenPort: 0, portRange: null, tls: { certFile: null, keyFile: null }, allowPlaintext: false },
    connect: { enabled: false, portRange: '15002-15101', host: '127.0.0.1' },
    cluster: {
      python: null,
      pollMs: 2000,
      yarn: { resourceManagerUrl: null },
      standalone: { restUrl: null },
      kubernetes: { namespace: 'default', image: null, serviceAccount: null },
    },
    sessions: {
      max: -1,
      maxStarting: 2,
      startTimeoutMs: 180_000,
      shutdownTimeoutMs: 10_000,
      timeoutCheck: true,
      idleTimeout: '1h',
      ttlCheck: false,
      ttl: '8h',
      stateRetainMs: 600_000,
      reconcileIntervalMs: 1_000,
      allowedDirs: [],
      sandbox: 'auto',
      reconnectGraceMs: 600_000,
      pingIntervalMs: 5_000,
      pingTimeoutMs: 15_000,
      maxQueuedStatements: 1000,
      warmDrivers: -1,
    },
    shutdown: { stopDrivers: false, drainMs: 10_000 },
    shared: { allowedDirs: [] },
    batches: { allowedDirs: [], max: 8, killTimeoutMs: 10_000, logLines: 1000, sparkHome: null },
    logs: { maxBytes: 10 * 1024 * 1024 },
    limits: {
      sharedValueBytes: 1024 * 1024,
      sharedPageSize: 1000,
      bodyBytes: 10 * 1024 * 1024,
      outputRows: 1000,
      outputTextBytes: 1024 * 1024,
      logLines: 200,
      maxWaitSeconds: 300,
      longPolls: 512,
      longPollsPerUser: 64,
      eventStreams: 128,
      eventStreamsPerUser: 32,
      eventStreamBufferBytes: 1024 * 1024,
      statementListBytes: 16 * 1024 * 1024,
    },
    log: { level: 'info', requests: true },
  };
}

type Json = Record<string, unknown>;

/** Settings whose keys are the user's (conf keys, user names), not known setting names. */
const OPEN_MAPS = new Set(['defaultConf', 'forcedConf', 'impersonation']);

function merge(base: Json, over: Json, where: string): void {
  for (const [k, v] of Object.entries(over)) {
    if (!(k in base)) throw new Error(`Unknown setting '${where}${k}'`);
    const cur = base[k];
    if (cur && typeof cur === 'object' && !Array.isArray(cur) && !OPEN_MAPS.has(k)) {
      if (!v || typeof v !== 'object') throw new Error(`Setting '${where}${k}' must be an object`);
      merge(cur as Json, v as Json, `${where}${k}.`);
    } else {
      const want = Array.isArray(cur) ? 'array' : cur === null ? null : typeof cur;
      const got = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
      if (want !== null && want !== got) {
        throw new Error(`Setting '${where}${k}' must be ${want === 'array' ? 'an array' : `a ${want}`}, got ${JSON.stringify(v)}`);
      }
      base[k] = v;
    }
  }
}

function coerce(current: unknown, raw: string, name: string): unknown {
  if (typeof current === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new Error(`${name} must be a number, got '${raw}'`);
    return n;
  }
  if (typeof current === 'boolean') return /^(1|true|yes|on)$/i.test(raw);
  if (Array.isArray(current)) return raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (current && typeof current === 'object') {
    try {
      return JSON.parse(raw);
    } catch (e) {
      throw new Error(`${name} must be JSON, got '${raw}': ${(e as Error).message}`);
    }
  }
  return raw;
}

/** SPARKPORT_SESSIONS__MAX=4 sets sessions.max; a few short names for the common ones. */
const ENV_ALIASES: Record<string, string> = {
  SPARKPORT_HOST: 'host',
  SPARKPORT_PORT: 'port',
  SPARKPORT_DATA_DIR: 'dataDir',
  SPARKPORT_SPARK_MASTER: 'spark.master',
  SPARKPORT_DEPLOY_MODE: 'spark.deployMode',
  SPARKPORT_PYTHON: 'spark.python',
  SPARKPORT_MAX_SESSIONS: 'sessions.max',
};

function setPath(cfg: Json, dotted: string, raw: string, name: string): void {
  const parts = dotted.split('.');
  let obj: Json = cfg;
  for (const p of parts.slice(0, -1)) {
    const next = obj[p];
    if (!next || typeof next !== 'object') throw new Error(`Unknown setting '${dotted}' (from ${name})`);
    obj = next as Json;
  }
  const last = parts[parts.length - 1]!;
  if (!(last in obj)) throw new Error(`Unknown setting '${dotted}' (from ${name})`);
  obj[last] = coerce(obj[last], raw, name);
}

function camel(s: string): string {
  return s.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

export interface ConfigSources {
  file?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: Partial<{ host: string; port: number; dataDir: string }>;
}

export function loadConfig(src: ConfigSources = {}): Config {
  const cfg = defaultConfig() as unknown as Json;
  const env = src.env ?? process.env;
  const file = src.file ?? env.SPARKPORT_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`Cannot read config file ${file}: ${(e as Error).message}`);
    }
    merge(cfg, parsed as Json, '');
  }
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('SPARKPORT_') || raw === undefined || name === 'SPARKPORT_CONFIG') continue;
    // Not settings: the driver's launch variables, and the clients' (the CLI's credentials among them).
    if (['SPARKPORT_CONNECT', 'SPARKPORT_CONNECT_FILE', 'SPARKPORT_TOKEN', 'SPARKPORT_TOKEN_FILE', 'SPARKPORT_SESSION_ID', 'SPARKPORT_URL', 'SPARKPORT_USER', 'SPARKPORT_PASSWORD'].includes(name)) continue;
    const dotted = ENV_ALIASES[name] ?? name.slice('SPARKPORT_'.length).split('__').map(camel).join('.');
    setPath(cfg, dotted, raw, name);
  }
  const c = cfg as unknown as Config;
  Object.assign(c, Object.fromEntries(Object.entries(src.overrides ?? {}).filter(([, v]) => v !== undefined)));
  c.dataDir = path.resolve(c.dataDir);
  if (!c.shared.allowedDirs.length) c.shared.allowedDirs = [path.join(c.dataDir, 'shared')];
  c.shared.allowedDirs = c.shared.allowedDirs.map((d) => path.resolve(d));
  if (!c.batches.allowedDirs.length) c.batches.allowedDirs = [path.join(c.dataDir, 'batch-files')];
  c.batches.allowedDirs = c.batches.allowedDirs.map((d) => path.resolve(d));
  c.sessions.allowedDirs = c.sessions.allowedDirs.map((d) => path.resolve(d));
  checkAccessPolicy(c.access);
  checkPlacementSettings(c);
  checkStandaloneRestUrl(c);
  checkConnectSettings(c);
  checkConnectionSettings(c.http);
  c.audit.file = path.resolve(c.audit.file || path.join(c.dataDir, 'audit.log'));
  return c;
}
