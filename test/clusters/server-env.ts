/**
 * The settings that point a Sparkport server at a test cluster, by configuration only (as an
 * operator would: spark.master, HADOOP_CONF_DIR, the cluster's own conf in spark.defaultConf),
 * shared by the cluster tests and the cluster benchmarks.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { defaultConfig } from '../../packages/server/src/config.ts';
import type { StandaloneCluster } from './standalone.ts';
import type { YarnCluster } from './yarn.ts';

export function standaloneServerEnv(cluster: StandaloneCluster): Record<string, string> {
  return {
    SPARKPORT_SPARK__MASTER: cluster.masterUrl,
    SPARKPORT_SPARK__ALLOWED_DEPLOY_MODES: 'cluster',
    SPARKPORT_CLUSTER__STANDALONE__REST_URL: cluster.restUrl,
    SPARKPORT_CLUSTER__POLL_MS: '500',
    SPARKPORT_DRIVER__ADVERTISE_HOST: '127.0.0.1',
  };
}

/** A self-signed certificate for the driver listener, made once in `dir` with the openssl CLI. */
export function driverCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = path.join(dir, 'driver-listener.crt');
  const keyFile = path.join(dir, 'driver-listener.key');
  if (!existsSync(certFile)) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
  }
  return { certFile, keyFile };
}

/**
 * YARN: its client configuration, and Spark's jars and Python libraries given to YARN from this
 * machine's disk (local: URIs), so a session uploads nothing but its own files. Cluster-mode
 * drivers call back over TLS, as the server requires by default, pinning a certificate made here.
 */
export function yarnServerEnv(yarn: YarnCluster, driverPort: number): Record<string, string> {
  const tls = driverCertificate(yarn.dir);
  const { 'spark.master': _master, 'spark.pyspark.python': _python, ...yarnConf } = yarn.sparkConf;
  return {
    SPARKPORT_SPARK__MASTER: 'yarn',
    SPARKPORT_SPARK__ALLOWED_DEPLOY_MODES: 'cluster',
    SPARKPORT_SPARK__DEFAULT_CONF: JSON.stringify({ ...defaultConfig().spark.defaultConf, ...yarnConf }),
    SPARKPORT_SPARK__PASS_ENV: 'PYSPARK_ARCHIVES_PATH',
    SPARKPORT_CLUSTER__POLL_MS: '500',
    // Cluster-mode drivers call back here, also after a server restart: one fixed port.
    SPARKPORT_DRIVER__PORT_RANGE: `${driverPort}-${driverPort}`,
    SPARKPORT_DRIVER__ADVERTISE_HOST: '127.0.0.1',
    SPARKPORT_DRIVER__TLS__CERT_FILE: tls.certFile,
    SPARKPORT_DRIVER__TLS__KEY_FILE: tls.keyFile,
    HADOOP_CONF_DIR: yarn.confDir,
    PYSPARK_ARCHIVES_PATH: String(yarn.env.PYSPARK_ARCHIVES_PATH),
  };
}
