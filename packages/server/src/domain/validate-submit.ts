/**
 * The spark-submit fields sessions and batches share (Livy gives both the same ones): one set
 * of rules for names, memory sizes, server-owned conf keys (spark-conf-rules.ts) and the files
 * Spark is to fetch (file-refs.ts), one mapping to defaults.
 */
import type { Config } from '../config.ts';
import { invalid } from './errors.ts';
import { checkFileList, checkFileRef, type FileRules } from './file-refs.ts';
import { proxyUserProblem, resolvePlacement, type Placement } from './placement.ts';
import type { SubmitSpec } from './records.ts';
import { checkConfKeys, FILE_LIST_CONF, type ConfPolicy } from './spark-conf-rules.ts';

export const MEMORY = /^\d+[kmgt]?b?$/i;

export interface SubmitRequest {
  name?: string;
  proxyUser?: string;
  driverMemory?: string;
  driverCores?: number;
  executorMemory?: string;
  executorCores?: number;
  numExecutors?: number;
  queue?: string;
  conf?: Record<string, string>;
  jars?: string[];
  pyFiles?: string[];
  files?: string[];
  archives?: string[];
}

export interface SubmitRules {
  conf: ConfPolicy;
  files: FileRules;
  /** The settings a requested placement is checked against. */
  config: Config;
  /** The application's main program is Python (every session; a batch whose file is .py). */
  pythonApp: boolean;
}

/**
 * The rules from the settings. Sessions take their local files from sessions.allowedDirs, or,
 * when that is empty, from the same directories as batches: one upload place serves both.
 */
export function submitRules(config: Config, what: 'session' | 'batch', pythonApp = what === 'session'): SubmitRules {
  const own = what === 'session' && config.sessions.allowedDirs.length > 0;
  return {
    config,
    pythonApp,
    conf: { blocked: config.spark.blockedConf, allowed: config.spark.allowedConf, forced: Object.keys(config.spark.forcedConf) },
    files: {
      dirs: own ? config.sessions.allowedDirs : config.batches.allowedDirs,
      dirsSetting: what === 'session' ? 'sessions.allowedDirs' : 'batches.allowedDirs',
      schemes: config.spark.allowedSchemes.map((s) => s.toLowerCase()),
    },
  };
}

/** Checks the shared fields; every file the request names (file-list conf keys too) comes back checked and resolved. */
export function validateSubmitFields(req: SubmitRequest, what: 'session' | 'batch', rules: SubmitRules): SubmitSpec & { name: string | null; placement: Placement } {
  if (req.name !== undefined && /^\d+$/.test(req.name)) {
    throw invalid(`Invalid ${what} name '${req.name}': a name can't be all digits (it would clash with ids)`);
  }
  for (const field of ['name', 'proxyUser', 'queue'] as const) {
    const v = req[field];
    if (v !== undefined && /[\x00-\x1f\x7f]/.test(v)) throw invalid(`Invalid ${field} ${JSON.stringify(v)}: it has a line break or another control character`);
  }
  for (const field of ['driverMemory', 'executorMemory'] as const) {
    const v = req[field];
    if (v !== undefined && !MEMORY.test(v)) throw invalid(`Invalid ${field} '${v}': use a size such as 512m or 2g`);
  }
  // Master and deploy mode are the placement's, decided here (placement.ts), never --conf.
  const { placement, conf } = resolvePlacement(req.conf ?? {}, rules.config, what, rules.pythonApp);
  const cantRunAs = req.proxyUser !== undefined ? proxyUserProblem(placement) : undefined;
  if (cantRunAs) throw invalid(`This ${what} can't run as proxyUser '${req.proxyUser}': ${cantRunAs}`);
  checkConfKeys(conf, rules.conf, what, req);
  // spark.driver.memory becomes --driver-memory (and -Xmx): held to the same form as the field.
  for (const key of ['spark.driver.memory', 'spark.executor.memory']) {
    const v = conf[key];
    if (v !== undefined && !MEMORY.test(v)) throw invalid(`Invalid ${key} '${v}': use a size such as 512m or 2g`);
  }
  for (const key of FILE_LIST_CONF) {
    if (conf[key] !== undefined) conf[key] = checkFileList(conf[key], rules.files);
  }
  const mapPath = (p: string) => checkFileRef(p, rules.files);
  return {
    name: req.name ?? null,
    placement,
    proxyUser: req.proxyUser ?? null,
    driverMemory: req.driverMemory ?? null,
    driverCores: req.driverCores ?? 0,
    executorMemory: req.executorMemory ?? null,
    executorCores: req.executorCores ?? 0,
    numExecutors: req.numExecutors ?? 0,
    queue: req.queue ?? null,
    conf,
    jars: (req.jars ?? []).map(mapPath),
    pyFiles: (req.pyFiles ?? []).map(mapPath),
    files: (req.files ?? []).map(mapPath),
    archives: (req.archives ?? []).map(mapPath),
  };
}
