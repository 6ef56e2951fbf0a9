#!/usr/bin/env node
// Installs whatever is missing, and nothing else: npm packages, the Python virtual environment
// with the pinned pyspark and the driver's dependencies, the Scala helper jar, and for the tests
// their tools and clusters, for the benchmarks theirs. Quick when everything is in place:
// each step compares a hash of its inputs with the stamp it left last time.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * Debian's packages, installed when this runs as root on a Debian-like system; otherwise it stops
 * and says what to install (`otherwise`).
 */
function aptInstall(packages, why, otherwise, extra = []) {
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get') || process.getuid?.() !== 0) fail(otherwise);
  say(`installing ${why} from Debian's packages (${packages.join(', ')})`);
  const apt = { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  run('apt-get', ['update', '-q'], apt);
  run('apt-get', ['install', '-y', '-q', ...extra, ...packages], apt);
}

// 1. Node
const major = Number(process.versions.node.split('.')[0]);
if (major < 20) fail(`Node ${process.versions.node} is too old: Sparkport needs Node 20 or newer`);

// 1b. From the system, Debian's packages, before npm builds anything: Kerberos (SPNEGO,
// auth.negotiate): MIT's headers, which the `kerberos` npm package and Python's gssapi (for
// sparkmagic's Kerberos mode) compile against, and the KDC, kadmin.local and kinit that the SPNEGO
// tests run; and bubblewrap, the sandbox drivers and batches run in (sessions.sandbox).
const KRB_PACKAGES = ['libkrb5-dev', 'krb5-kdc', 'krb5-admin-server', 'krb5-user', 'bubblewrap'];
const krbMissing = () => ['/usr/bin/krb5-config', '/usr/sbin/krb5kdc', '/usr/sbin/kadmin.local', '/usr/bin/kinit', '/usr/bin/bwrap'].some((f) => !existsSync(f));
if (process.platform === 'linux' && krbMissing()) {
  aptInstall(KRB_PACKAGES, 'Kerberos and bubblewrap',
    `System packages are missing: install ${KRB_PACKAGES.join(' ')} (Debian/Ubuntu names; as root: apt-get install ...), then run this again`);
}

// 2. npm packages
const lock = path.join(root, 'package-lock.json');
const npmStamp = path.join(root, 'node_modules', '.sparkport-setup');
// The lock file alone: it records every dependency of every workspace, and a change to a script
// in package.json must not reinstall node_modules (under a server that is running from it).
const npmHash = hashOf(lock);
// kerberos is optional to npm (it builds only where Kerberos headers are), so check it was built.
const kerberosBuilt = process.platform !== 'linux' || existsSync(path.join(root, 'node_modules', 'kerberos', 'build', 'Release', 'kerberos.node'));
if (!stampOk(npmStamp, npmHash) || !kerberosBuilt || !existsSync(path.join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))) {
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
// 5. The Scala helper behind `kind: spark` (driver/scala), compiled by the Scala compiler in
// pyspark's own jars, so it always matches the Scala version of the Spark driver it runs in.
const scalaDir = path.join(root, 'driver', 'scala');
const scalaJar = path.join(scalaDir, 'target', 'sparkport-scala.jar');
const scalaStamp = path.join(scalaDir, 'target', '.sparkport-setup');
const listScala = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? listScala(path.join(dir, e.name)) : e.name.endsWith('.scala') ? [path.join(dir, e.name)] : []);
const scalaSources = listScala(path.join(scalaDir, 'src')).sort();
const pysparkDir = spawnSync(py, ['-c', 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'], { encoding: 'utf8' });
if (pysparkDir.status !== 0) fail(`cannot find pyspark in ${venv}: ${pysparkDir.stderr}`);
const sparkJars = path.join(pysparkDir.stdout.trim(), 'jars');
const compilerJar = readdirSync(sparkJars).find((f) => /^scala-compiler-.*\.jar$/.test(f));
if (!compilerJar) fail(`no scala-compiler jar in ${sparkJars}`);
const scalaHash = createHash('sha256')
  .update(compilerJar)
  .update(scalaSources.map((f) => `${path.relative(scalaDir, f)}\0${hashOf(f)}`).join('\n'))
  .digest('hex');
if (!stampOk(scalaStamp, scalaHash) || !existsSync(scalaJar)) {
  say(`compiling the Scala helper with ${compilerJar}`);
  mkdirSync(path.dirname(scalaJar), { recursive: true });
  const classes = path.join(scalaDir, 'target', 'classes');
  rmSync(classes, { recursive: true, force: true });
  mkdirSync(classes);
  run('java', ['-cp', path.join(sparkJars, '*'), 'scala.tools.nsc.Main', '-usejavacp', '-deprecation', '-d', classes, ...scalaSources]);
  // Built beside and renamed, so a running server never launches a driver with half a jar.
  run('jar', ['cf', `${scalaJar}.tmp`, '-C', classes, '.']);
  renameSync(`${scalaJar}.tmp`, scalaJar);
  writeFileSync(scalaStamp, scalaHash);
}
// 5b. The web UI (packages/web), which the server serves at /ui: bundled by esbuild into
// packages/web/dist, again whenever its sources or the packages it bundles change.
const webDir = path.join(root, 'packages', 'web');
const webDist = path.join(webDir, 'dist');
const webStamp = path.join(webDist, '.sparkport-setup');
const listAll = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? listAll(path.join(dir, e.name)) : [path.join(dir, e.name)]);
const webInputs = [path.join(webDir, 'build.mjs'), lock, ...listAll(path.join(webDir, 'src')).sort(), ...listAll(path.join(webDir, 'public')).sort()];
// packages/client and protocol are bundled in too.
for (const p of ['client', 'protocol']) webInputs.push(...listAll(path.join(root, 'packages', p, 'src')).sort());
const webHash = createHash('sha256').update(webInputs.map((f) => `${path.relative(root, f)}\0${hashOf(f)}`).join('\n')).digest('hex');
if (!stampOk(webStamp, webHash) || !existsSync(path.join(webDist, 'index.html'))) {
  say('building the web UI (packages/web)');
  run('node', [path.join(webDir, 'build.mjs')]);
  writeFileSync(webStamp, webHash);
}

// 6. Test tools with their own virtual environments (`--livy-clients`, which npm test passes): the
// real Livy clients (sparkmagic brings Jupyter and pandas, which .venv must not carry), the
// schema-based fuzzer, and a Spark Connect client (pyspark-client, which .venv's full pyspark
// would clash with).
function testVenv(dir, reqsFile, what, pipArgs) {
  const venvDir = path.join(root, dir);
  const vpy = path.join(venvDir, 'bin', 'python');
  const reqsPath = path.join(root, reqsFile);
  const stamp = path.join(venvDir, '.sparkport-setup');
  const hash = hashOf(reqsPath);
  if (!existsSync(vpy)) {
    say(`creating the virtual environment for ${what} in ${dir}`);
    run(process.env.PYTHON ?? 'python3', ['-m', 'venv', venvDir]);
  }
  if (!stampOk(stamp, hash)) {
    say(`installing ${what}`);
    run(vpy, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', ...pipArgs, '-r', reqsPath]);
    writeFileSync(stamp, hash);
  }
}
if (process.argv.includes('--livy-clients')) {
  // --no-deps: the list is complete and pinned (see the file for why sparkmagic needs that).
  testVenv('.venv-clients', 'test/livy-clients/requirements.txt', 'the Livy clients (sparkmagic, livy)', ['--no-deps']);
  testVenv('.venv-fuzz', 'test/fuzz/requirements.txt', 'the API fuzzer (schemathesis)', []);
}
const connectClient = () => testVenv('.venv-connect', 'test/connect/requirements.txt', 'a Spark Connect client (pyspark-client)', []);
if (process.argv.includes('--livy-clients')) connectClient();
// 6b. The benchmark's tools (`--bench`, which npm run bench passes): Jupyter's server and ipykernel,
// which bench/warm-start.ts starts kernels on to set beside a session's start, and the Spark
// Connect client that Spark Connect is measured with.
if (process.argv.includes('--bench')) {
  testVenv('.venv-bench', 'bench/requirements.txt', 'the benchmark tools (jupyter_server, ipykernel)', []);
  connectClient();
}
// 7. Test clusters (`--clusters`, which npm test passes): the one-JVM YARN cluster
// (test/clusters/minicluster: Hadoop's MiniYARNCluster, its version that of pyspark's hadoop-client
// jars), built by Maven, its dependencies (about 150 MB) into ~/.m2. test/clusters/yarn.ts runs it
// from target/classes and the classpath Maven writes to target/classpath.txt.
if (process.argv.includes('--clusters')) {
  const mini = path.join(root, 'test', 'clusters', 'minicluster');
  const miniTarget = path.join(mini, 'target');
  const miniStamp = path.join(miniTarget, '.sparkport-setup');
  const classpathFile = path.join(miniTarget, 'classpath.txt');
  const listFiles = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]);
  const miniInputs = [path.join(mini, 'pom.xml'), ...listFiles(path.join(mini, 'src')).sort()];
  const miniHash = createHash('sha256')
    .update(miniInputs.map((f) => `${path.relative(mini, f)}\0${hashOf(f)}`).join('\n'))
    .digest('hex');
  // A wiped ~/.m2 leaves a classpath of missing jars behind: build again then too.
  const classpathOk = () => existsSync(classpathFile) && existsSync(path.join(miniTarget, 'classes', 'sparkport', 'MiniYarn.class')) &&
    readFileSync(classpathFile, 'utf8').trim().split(':').every((j) => j && existsSync(j));
  if (!stampOk(miniStamp, miniHash) || !classpathOk()) {
    if (spawnSync('mvn', ['-v'], { stdio: 'ignore' }).error) {
      aptInstall(['maven'], 'Maven', 'mvn (Maven) was not found: install it (Debian/Ubuntu: apt-get install maven), then run this again',
        ['--no-install-recommends']);
    }
    say('building the test YARN cluster (test/clusters/minicluster; the first time Maven downloads about 150 MB into ~/.m2)');
    const args = ['-q', '-B', '-f', path.join(mini, 'pom.xml'), 'package', 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`];
    say(`$ mvn ${args.join(' ')}`);
    // Maven prints its errors on stdout: keep it, and show it when the build fails.
    const r = spawnSync('mvn', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.error) fail(`mvn could not run: ${r.error.message}`);
    if (r.status !== 0) fail(`building test/clusters/minicluster failed (mvn exit code ${r.status}):\n${r.stdout}${r.stderr}`);
    if (!classpathOk()) fail(`mvn left no usable ${path.relative(root, classpathFile)}`);
    writeFileSync(miniStamp, miniHash);
  }
}
// 8. A browser for the web UI's tests (`--browser`, which npm test passes): Debian's Chromium,
// driven by playwright-core (Playwright's own browser download reaches hosts outside the
// registries). SPARKPORT_TEST_CHROMIUM names another binary instead.
if (process.argv.includes('--browser') && !process.env.SPARKPORT_TEST_CHROMIUM && !existsSync('/usr/bin/chromium')) {
  aptInstall(['chromium'], 'Chromium (for the web UI tests)',
    'Chromium was not found for the web UI tests: install it (Debian/Ubuntu: apt-get install chromium) or set SPARKPORT_TEST_CHROMIUM to a Chromium binary',
    ['--no-install-recommends']);
}
say('ready');
