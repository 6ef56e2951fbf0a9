/**
 * The Spark settings a request may not set, in one table. A session or batch runs user code, but
 * its *request* must not choose how the server's machine starts that code: the driver's JVM and
 * Python executables, their options and environment, the addresses it binds, where the server
 * keeps its files, what gets downloaded and loaded from outside the allowed places, and the
 * security settings the operator configured. docs/API.md shows this table (a test keeps the two
 * in step).
 *
 * A pattern is a conf key, or a glob where `*` stands for any run of characters (dots included).
 * Keys compare exactly, as Spark's do. The operator extends the table with `spark.blockedConf`
 * and lifts entries with `spark.allowedConf` (`["*"]` lifts all but the fixed ones, so
 * `spark.blockedConf` then replaces the table). Fixed entries can't be lifted: the server itself
 * depends on them. The keys of `spark.forcedConf` are the operator's too: the server applies
 * them after the request's conf (driver/submit-args.ts), and refuses them in requests here, so
 * that sessions and batches share the one rule.
 */
import { invalid } from './errors.ts';

export interface ConfRule {
  pattern: string;
  reason: string;
  /** The server's own workings depend on it: spark.allowedConf can't lift it. */
  fixed?: boolean;
}

const JVM = "JVM options of a process on the server's machine: -XX:OnOutOfMemoryError runs any command and -javaagent loads any code";
const CLASSPATH = "loads classes or native libraries from any path on the server's machine, outside the allowed directories";
const EXECUTOR_JVM = 'JVM options and class path of every executor (on a cluster, every worker node): the operator sets them in spark.defaultConf';
const PYTHON = 'the Python executable: any program named here would run as the driver or as the Python workers';
const ENV = "environment of processes Spark starts (LD_PRELOAD, PYTHONSTARTUP or PYSPARK_PYTHON choose what runs; a cluster-mode driver's carries its call-back address and token); the operator sets them in spark.defaultConf";
const BIND = "addresses and ports the driver binds on the server's machine: loopback for a local master, driver.advertiseHost on a cluster";
const UI = "the driver's web UI: its port, servlet filters, proxying and who may view it are the operator's";
const ACLS = 'who may view and modify the application: the ACLs the operator configured';
const AUTH = "Spark's RPC authentication and encryption: a request must not turn off what the operator configured or name secret files on the server";
const REDACTION = 'what Spark hides in logs and the UI: a request must not unhide the secrets the operator redacts';
const KERBEROS = 'a Kerberos keytab on the server would let a request act as its principal: drivers run as the server, or as proxyUser';
const IVY = "downloads code from Maven repositories into a cache on the server that every session shares (~/.ivy2): set it in spark.defaultConf, or allow it with spark.allowedConf";
const PYTHON_MODULE = "the Python module every Python worker (or the daemon that forks them) starts with: any module on the workers' path would run in PySpark's place";
const CLASSES = "names classes the driver (or every executor) loads and instantiates as it starts, before any statement, like spark.plugins: any class on the server's class path would run; the operator sets them in spark.defaultConf or spark.forcedConf";
const CATALOG = "catalog plugins (spark_catalog, the session catalog, included): a class the driver loads with options of the request's choosing, which would replace the catalog an operator's authorization relies on";
const HADOOP = "Hadoop's configuration of the driver and executors: fs.<scheme>.impl loads any class, hadoop.security.* and credential providers choose whose credentials are used and where secrets are read from; the operator sets them in spark.defaultConf";
const TOKENS = "delegation tokens: which filesystems and services Spark fetches tokens for with the server's (or proxyUser's) Kerberos credentials, to hand to the application";
const KUBERNETES = "how and where pods run: the image, namespace, service account and credential files, pod templates from the server's disk, the driver's environment (which carries its call-back address and token); the operator's (cluster.kubernetes, spark.defaultConf)";
const USER_CLASSES_FIRST = "puts the request's jars before Spark's on a class path the server's spark-submit loads (their classes would replace Spark's own, in a process on the server's machine), or downloads remote jars onto it";
const LOGS = "writes logs to a directory of the request's choosing on the server (or on DFS): the operator's to configure";

export const BUILTIN_CONF_RULES: readonly ConfRule[] = [
  { pattern: 'spark.master', reason: 'the master is the setting spark.master; a request may name one of spark.allowedMasters', fixed: true },
  { pattern: 'spark.submit.deployMode', reason: 'the deploy mode is the setting spark.deployMode; a request may name one of spark.allowedDeployModes', fixed: true },
  { pattern: 'spark.repl.*', reason: "the Scala interpreter's class directory and jars are set per session by the server", fixed: true },
  { pattern: 'spark.api.mode', reason: 'Spark Connect mode starts a Spark Connect server on a port of its own, without authentication' },
  { pattern: 'spark.remote', reason: 'would start a local Spark Connect server, or send the session to one elsewhere' },
  { pattern: 'spark.driver.extraJavaOptions', reason: JVM },
  { pattern: 'spark.driver.defaultJavaOptions', reason: JVM },
  { pattern: 'spark.driver.extraClassPath', reason: CLASSPATH },
  { pattern: 'spark.driver.extraLibraryPath', reason: CLASSPATH },
  { pattern: 'spark.driver.userClassPathFirst', reason: USER_CLASSES_FIRST },
  { pattern: 'spark.yarn.user.classpath.first', reason: USER_CLASSES_FIRST },
  { pattern: 'spark.submit.proxyUser.allowCustomClasspathInClusterMode', reason: USER_CLASSES_FIRST },
  { pattern: 'spark.yarn.dist.forceDownloadSchemes', reason: USER_CLASSES_FIRST },
  { pattern: 'spark.executor.extraJavaOptions', reason: EXECUTOR_JVM },
  { pattern: 'spark.executor.defaultJavaOptions', reason: EXECUTOR_JVM },
  { pattern: 'spark.executor.extraClassPath', reason: EXECUTOR_JVM },
  { pattern: 'spark.executor.extraLibraryPath', reason: EXECUTOR_JVM },
  { pattern: 'spark.yarn.am.*', reason: "the YARN application master's JVM options, class path and environment are the operator's" },
  { pattern: 'spark.pyspark.python', reason: PYTHON },
  { pattern: 'spark.pyspark.driver.python', reason: PYTHON },
  { pattern: 'spark.r.command', reason: 'an executable the driver runs' },
  { pattern: 'spark.sparkr.r.command', reason: 'an executable the driver runs' },
  { pattern: 'spark.r.driver.command', reason: 'an executable the driver runs' },
  { pattern: 'spark.r.shell.command', reason: 'an executable the driver runs' },
  { pattern: 'spark.sql.execution.pyspark.python', reason: PYTHON },
  { pattern: 'spark.python.worker.module', reason: PYTHON_MODULE },
  { pattern: 'spark.python.daemon.module', reason: PYTHON_MODULE },
  { pattern: 'spark.executorEnv.*', reason: ENV },
  { pattern: 'spark.yarn.appMasterEnv.*', reason: ENV },
  { pattern: 'spark.kubernetes.*', reason: KUBERNETES },
  { pattern: 'spark.kubernetes.*', reason: "Kubernetes pods: image, service account, volumes (hostPath mounts a node's disk) and credential files are the operator's" },
  { pattern: 'spark.driver.resource.*.discoveryScript', reason: 'a script the driver runs when it starts' },
  { pattern: 'spark.executor.resource.*.discoveryScript', reason: 'a script each executor runs when it starts' },
  { pattern: 'spark.driver.resourcesFile', reason: "a file on the server's machine the driver reads" },
  { pattern: 'spark.plugins', reason: 'plugins start with the driver, before any statement; the Spark Connect plugin opens a network port without authentication' },
  { pattern: 'spark.executor.plugins', reason: 'the old name of spark.plugins' },
  { pattern: 'spark.extraListeners', reason: CLASSES },
  { pattern: 'spark.sql.extensions', reason: CLASSES },
  { pattern: 'spark.sql.queryExecutionListeners', reason: CLASSES },
  { pattern: 'spark.sql.streaming.streamingQueryListeners', reason: CLASSES },
  { pattern: 'spark.serializer', reason: CLASSES },
  { pattern: 'spark.kryo.registrator', reason: CLASSES },
  { pattern: 'spark.kryo.classesToRegister', reason: CLASSES },
  { pattern: 'spark.shuffle.manager', reason: CLASSES },
  { pattern: 'spark.sql.catalog.*', reason: CATALOG },
  { pattern: 'spark.hadoop.*', reason: HADOOP },
  { pattern: 'spark.hive.*', reason: `${HADOOP} (spark.hive.* becomes hive.* there: hooks, metastore address and credentials)` },
  { pattern: 'spark.connect.*', reason: "Spark Connect: a server on a port of its own, without authentication; the server's setting connect.enabled gives each session one, with a token" },
  { pattern: 'spark.driver.host', reason: BIND },
  { pattern: 'spark.driver.bindAddress', reason: BIND },
  { pattern: 'spark.driver.port', reason: BIND },
  { pattern: 'spark.driver.blockManager.port', reason: BIND },
  { pattern: 'spark.blockManager.port', reason: BIND },
  { pattern: 'spark.ui.port', reason: UI },
  { pattern: 'spark.ui.filters', reason: UI },
  { pattern: 'spark.ui.reverseProxy*', reason: UI },
  { pattern: 'spark.ui.proxyRedirectUri', reason: UI },
  { pattern: 'spark.ui.allowFramingFrom', reason: UI },
  { pattern: 'spark.ui.store.path', reason: "the UI's store, written to a directory on the server" },
  { pattern: 'spark.ui.view.acls*', reason: ACLS },
  { pattern: 'spark.acls.*', reason: ACLS },
  { pattern: 'spark.admin.acls*', reason: ACLS },
  { pattern: 'spark.modify.acls*', reason: ACLS },
  { pattern: 'spark.authenticate*', reason: AUTH },
  { pattern: 'spark.network.crypto.*', reason: AUTH },
  { pattern: 'spark.io.encryption.*', reason: AUTH },
  { pattern: 'spark.ssl.*', reason: AUTH },
  { pattern: 'spark.redaction.*', reason: REDACTION },
  { pattern: 'spark.sql.redaction.*', reason: REDACTION },
  { pattern: 'spark.kerberos.keytab', reason: KERBEROS },
  { pattern: 'spark.kerberos.principal', reason: KERBEROS },
  { pattern: 'spark.yarn.keytab', reason: KERBEROS },
  { pattern: 'spark.yarn.principal', reason: KERBEROS },
  { pattern: 'spark.kerberos.access.hadoopFileSystems', reason: TOKENS },
  { pattern: 'spark.yarn.access.*', reason: TOKENS },
  { pattern: 'spark.security.credentials.*', reason: TOKENS },
  { pattern: 'spark.jars.packages', reason: IVY },
  { pattern: 'spark.jars.repositories', reason: 'any URL would become a source of code the driver loads' },
  { pattern: 'spark.jars.ivy', reason: "a directory on the server's machine Spark writes downloaded jars to" },
  { pattern: 'spark.jars.ivySettings', reason: "a settings file on the server's machine, naming the repositories code comes from" },
  { pattern: 'spark.sql.hive.metastore.jars*', reason: "loads the Hive client's jars from Maven or from any path on the server's machine" },
  { pattern: 'spark.sql.warehouse.dir', reason: "managed tables are written there: each session's is in its own work directory" },
  { pattern: 'spark.local.dir', reason: "Spark's scratch space on the server's disk: each session's is in its own work directory" },
  { pattern: 'spark.driver.log.*', reason: LOGS },
  { pattern: 'spark.eventLog.*', reason: LOGS },
  { pattern: 'spark.python.profile.dump', reason: LOGS },
  { pattern: 'spark.metrics.conf*', reason: 'metrics sinks write files and open ports on the server, and spark.metrics.conf names a file there' },
  { pattern: 'spark.scheduler.allocation.file', reason: "a file on the server's machine the scheduler reads" },
];

/**
 * Conf keys whose values are comma-separated file lists: each entry passes the same file rules
 * as the request's jars, pyFiles, files and archives (as in Livy), rather than being blocked,
 * because Livy clients commonly set them in conf (sparkmagic's %%configure).
 */
export const FILE_LIST_CONF: readonly string[] = [
  'spark.jars', 'spark.files', 'spark.archives', 'spark.submit.pyFiles',
  'spark.yarn.dist.jars', 'spark.yarn.dist.files', 'spark.yarn.dist.archives', 'spark.yarn.dist.pyFiles',
  'spark.yarn.jars', 'spark.yarn.jar', 'spark.yarn.archive',
];

export interface ConfPolicy {
  /** The operator's own additions (spark.blockedConf). */
  blocked: readonly string[];
  /** Built-in entries the operator lifts (spark.allowedConf). */
  allowed: readonly string[];
  /** Keys the operator's spark.forcedConf sets for every session and batch: never the request's, whatever spark.allowedConf says. */
  forced: readonly string[];
}

/**
 * Request fields that become conf keys (driver/submit-args.ts): a field answers to the rules of
 * its key, so executorMemory is refused when spark.executor.memory is forced or blocked.
 */
export const FIELD_CONF_KEYS = {
  driverMemory: 'spark.driver.memory',
  driverCores: 'spark.driver.cores',
  executorMemory: 'spark.executor.memory',
  executorCores: 'spark.executor.cores',
  numExecutors: 'spark.executor.instances',
  queue: 'spark.yarn.queue',
  jars: 'spark.jars',
  pyFiles: 'spark.submit.pyFiles',
  files: 'spark.files',
  archives: 'spark.archives',
} as const;

export type ConfFields = Partial<Record<keyof typeof FIELD_CONF_KEYS, unknown>>;

const globCache = new Map<string, RegExp>();

export function matchesPattern(key: string, pattern: string): boolean {
  if (!pattern.includes('*')) return key === pattern;
  let re = globCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
    globCache.set(pattern, re);
  }
  return re.test(key);
}

/** Why a key is blocked, or undefined when a request may set it. */
export function blockedReason(key: string, policy: ConfPolicy): string | undefined {
  if (policy.forced.includes(key)) return 'the operator sets it for every session and batch (spark.forcedConf)';
  for (const rule of BUILTIN_CONF_RULES) {
    if (!matchesPattern(key, rule.pattern)) continue;
    if (rule.fixed) return `${rule.reason} (the server sets it)`;
    if (!policy.allowed.some((a) => matchesPattern(key, a))) return `${rule.reason} (spark.allowedConf can allow it)`;
  }
  if (policy.blocked.some((b) => matchesPattern(key, b))) return 'blocked by the operator (spark.blockedConf)';
  return undefined;
}

/**
 * Throws a 400 naming every blocked key and why, and every field given whose key is blocked (a
 * field set to nothing, 0 or [] sets no key). A key containing '=' is refused too: spark-submit
 * splits `--conf k=v` at the first '=', so such a key would set another key's value.
 */
export function checkConfKeys(conf: Record<string, string>, policy: ConfPolicy, what: 'session' | 'batch', fields: ConfFields = {}): void {
  const problems: string[] = [];
  for (const [field, key] of Object.entries(FIELD_CONF_KEYS)) {
    const v = fields[field as keyof ConfFields];
    if (v === undefined || v === null || v === 0 || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    const why = blockedReason(key, policy);
    if (why) problems.push(`'${field}' (sets '${key}'): ${why}`);
  }
  for (const [key, value] of Object.entries(conf)) {
    if (key === '' || key.includes('=')) {
      problems.push(`'${key}' (a conf key can't be empty or contain '=')`);
      continue;
    }
    // spark-submit echoes conf it ignores: a key or value with a line break or a space would
    // write lines of the request's making into the output the server reads application ids from.
    if (/[\s\x00-\x1f\x7f]/.test(key)) {
      problems.push(`${JSON.stringify(key)} (a conf key can't contain spaces or control characters)`);
      continue;
    }
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) {
      problems.push(`'${key}' (its value has a line break or another control character)`);
      continue;
    }
    const why = blockedReason(key, policy);
    if (why) problems.push(`'${key}': ${why}`);
  }
  if (problems.length) throw invalid(`Blocked configuration in ${what} conf: ${problems.join('; ')}`);
}
