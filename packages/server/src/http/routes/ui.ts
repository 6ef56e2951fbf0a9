/**
 * The web UI's files (packages/web/dist, built by `npm run setup`), served from memory-mapped
 * disk by @fastify/static's sendFile: it refuses paths that leave the folder, sets ETag and
 * Last-Modified and answers conditional requests. Its own route registration is off, so every
 * route stays one declared in @sparkport/protocol.
 */
import fastifyStatic from '@fastify/static';
import { Endpoints } from '@sparkport/protocol';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DomainError } from '../../domain/errors.ts';
import { route } from '../route.ts';

export const DEFAULT_UI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../web/dist');

/**
 * The page loads only its own script and style sheet; images are its own or data: URLs
 * (`%matplot` PNGs arrive as base64 in statement output), and it talks only to this server.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

export function uiRoutes(app: FastifyInstance, uiDir = DEFAULT_UI_DIR): void {
  app.register(fastifyStatic, { root: uiDir, serve: false, index: false, dotfiles: 'deny', decorateReply: true, wildcard: false });

  // Relative, so that behind a proxy that serves this server under a path (/livy/) they stay under it.
  route(app, Endpoints.getRoot, async (_req, reply) => reply.redirect('ui/', 302));
  route(app, Endpoints.getUiRoot, async (_req, reply) => reply.redirect('ui/', 302));
  route(app, Endpoints.getUiFile, async (req, reply) => {
    // Hash routes (#/sessions/3) keep every page at /ui/, so the one HTML file is the page.
    const file = req.params.file || 'index.html';
    // The build is one flat folder: a name with a slash, a dot first or `..` is no file of it.
    if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/.test(file) || file.includes('..')) {
      throw new DomainError('NOT_FOUND', `The web UI has no file ${JSON.stringify(file.slice(0, 100))}; its page is /ui/`);
    }
    if (!existsSync(path.join(uiDir, 'index.html'))) {
      throw new DomainError('NOT_FOUND', 'The web UI is not built on this server: run npm run setup where it runs');
    }
    // The HTML names the script and style sheet by content hash, so those can be cached for good.
    const immutable = /\.[0-9a-f]{8,}\.(js|css)$/.test(file);
    reply.header('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (file === 'index.html') reply.header('Content-Security-Policy', CSP);
    // The files are small and whole: no ranges, and no If-Match / If-Unmodified-Since, whose
    // failures @fastify/send throws as errors (a 500 here) rather than answers.
    delete req.raw.headers['if-match'];
    delete req.raw.headers['if-unmodified-since'];
    return reply.sendFile(file, { cacheControl: false, acceptRanges: false });
  });
}
