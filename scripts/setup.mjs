#!/usr/bin/env node
// Installs whatever is missing, and nothing else: npm packages, the Python virtual environment
// with the pinned pyspark and the driver's dependencies. Quick when everything is in place:
// each step compares a hash of its inputs with the stamp it left last time.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const say = (m) => { if (!quiet) process.stderr.write(`[setup] ${m}\n`); };
const fail = (m) => { process.stderr.write(`[setup] ERROR: ${m}\n`); process.exit(1); };

function run(cmd, args, opts = {}) {
  say(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'], ...opts });
  if (r.error) fail(`${cmd} could not run: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
}

const hashOf = (...files) => {
  const h = createHash('sha256');
  for (const f of files) h.update(existsSync(f) ? readFileSync(f) : '');
  return h.digest('hex');
};
const stampOk = (stamp, hash) => existsSync(stamp) && readFileSync(stamp, 'utf8') === hash;

// 1. Node
const major = Number(process.versions.node.split('.')[0]);
if (major < 20) fail(`Node ${process.versions.node} is too old: Sparkport needs Node 20 or newer`);

// 2. npm packages
const lock = path.join(root, 'package-lock.json');
const npmStamp = path.join(root, 'node_modules', '.sparkport-setup');
const npmHash = hashOf(path.join(root, 'package.json'), lock);
if (!stampOk(npmStamp, npmHash) || !existsSync(path.join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))) {
  say('installing npm packages');
  run('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);
  writeFileSync(npmStamp, npmHash);
}

// 3. Java (Spark 4 needs 17 or 21)
const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
if (java.error) fail('java was not found: install a JDK 17 (e.g. apt-get install openjdk-17-jdk-headless) or set JAVA_HOME');
const jv = /version "(\d+)/.exec(java.stderr ?? '')?.[1];
if (jv && Number(jv) < 17) fail(`Java ${jv} found: Spark 4 needs Java 17 or 21`);

// 4. Python virtual environment with pyspark and the driver's dependencies
const venv = path.join(root, '.venv');
const py = path.join(venv, 'bin', 'python');
const reqs = path.join(root, 'driver', 'requirements.txt');
const pyStamp = path.join(venv, '.sparkport-setup');
const pyHash = hashOf(reqs);
if (!existsSync(py)) {
  const base = process.env.PYTHON ?? 'python3';
  const v = spawnSync(base, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) fail(`${base} was not found: install Python 3.11 or newer (or set PYTHON)`);
  const [maj, min] = v.stdout.trim().split('.').map(Number);
  if (maj < 3 || (maj === 3 && min < 11)) fail(`Python ${v.stdout.trim()} found: pyspark 4 needs Python 3.11 or newer`);
  say('creating the Python virtual environment in .venv');
  run(base, ['-m', 'venv', venv]);
}
if (!stampOk(pyStamp, pyHash)) {
  say('installing Python packages (pyspark is about 450 MB the first time)');
  run(py, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', reqs]);
  writeFileSync(pyStamp, pyHash);
}
say('ready');
