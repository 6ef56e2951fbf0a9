/**
 * The environment a driver or spark-submit starts from: an allow-list of the server's own
 * variables, never the rest. The server's environment may hold anything (cloud credentials, CI
 * tokens, its own SPARKPORT_* settings), and the code a session or batch runs can read its
 * environment, /proc/self/environ included. Whatever the launcher sets itself comes on top.
 *
 * Passed, and why:
 * - PATH, HOME, USER, LOGNAME, TMPDIR: finding java and bash, Ivy's and pip's caches under
 *   HOME, the user name Hadoop and getpass report, the temporary directory;
 * - LANG, LANGUAGE, LC_*, TZ: text encoding and time zone, so output reads as on the server;
 * - JAVA_HOME: the JVM Spark starts;
 * - SPARK_*: Spark's own settings (SPARK_HOME, SPARK_CONF_DIR, SPARK_LOCAL_IP, …), the operator's;
 * - HADOOP_HOME, HADOOP_CONF_DIR, YARN_CONF_DIR, HADOOP_USER_NAME: how to reach the cluster, as whom;
 * - KRB5_CONFIG, KRB5CCNAME: a Kerberised cluster's configuration and the server's ticket cache,
 *   which spark-submit needs to act for proxyUser (the same OS user can read that cache anyway);
 * - PYTHONPATH, PYTHONHOME, PYTHONIOENCODING, PYTHONUTF8: the Python the operator set up;
 * - SSL_CERT_FILE, SSL_CERT_DIR: the CA certificates, for HTTPS from user code and the JVM's tools.
 * Not passed: PYSPARK_* (the launchers set what they need), JAVA_TOOL_OPTIONS, _JAVA_OPTIONS and
 * JDK_JAVA_OPTIONS (JVM options meant for whatever runs the server), LD_* and everything else.
 * The operator adds names with spark.passEnv (proxies, cloud profiles, LD_LIBRARY_PATH).
 */
import type { Config } from '../config.ts';

export const PASSED_ENV: readonly string[] = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'TMPDIR',
  'LANG', 'LANGUAGE', 'LC_*', 'TZ',
  'JAVA_HOME',
  'SPARK_*',
  'HADOOP_HOME', 'HADOOP_CONF_DIR', 'YARN_CONF_DIR', 'HADOOP_USER_NAME',
  'KRB5_CONFIG', 'KRB5CCNAME',
  'PYTHONPATH', 'PYTHONHOME', 'PYTHONIOENCODING', 'PYTHONUTF8',
  'SSL_CERT_FILE', 'SSL_CERT_DIR',
];

const matches = (name: string, pattern: string) =>
  pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;

/** The allowed part of `base`. SPARKPORT_* never passes, whatever spark.passEnv says: those are the server's settings. */
export function cleanEnv(cfg: Config, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const allowed = [...PASSED_ENV, ...cfg.spark.passEnv];
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || name.startsWith('SPARKPORT_')) continue;
    if (allowed.some((p) => matches(name, p))) env[name] = value;
  }
  return env;
}
