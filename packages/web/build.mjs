#!/usr/bin/env node
// Builds the web UI into dist/: one script and one style sheet, named by content hash so the
// server may let browsers cache them for good, and the page that names them. `--watch` rebuilds
// on change (for working on the UI against a running server).
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist');

export async function build() {
  const r = await esbuild.build({
    entryPoints: [path.join(here, 'src/main.tsx'), path.join(here, 'src/styles.css')],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: out,
    legalComments: 'none',
    logLevel: 'warning',
  });
  // Built beside and renamed, so a running server never serves half a build.
  const tmp = `${out}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const names = {};
  for (const f of r.outputFiles) {
    const ext = path.extname(f.path);
    const hash = createHash('sha256').update(f.contents).digest('hex').slice(0, 12);
    const name = `app.${hash}${ext}`;
    names[ext] = name;
    writeFileSync(path.join(tmp, name), f.contents);
  }
  const html = readFileSync(path.join(here, 'src/index.html'), 'utf8').replace('%SCRIPT%', names['.js']).replace('%STYLE%', names['.css']);
  writeFileSync(path.join(tmp, 'index.html'), html);
  for (const f of readdirSync(path.join(here, 'public'))) writeFileSync(path.join(tmp, f), readFileSync(path.join(here, 'public', f)));
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  return names;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = await build();
  process.stderr.write(`[web] built ${Object.values(names).join(', ')} in ${path.relative(process.cwd(), out)}\n`);
}
