/**
 * Bodies are parsed as JSON whatever the Content-Type says (curl -d sends a form type, and Livy
 * never checked it), and an empty body is no body at all: clients send
 * `Content-Type: application/json` on GET and DELETE too.
 */
import type { FastifyInstance } from 'fastify';

export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      const err = new Error(`Malformed JSON body: ${(e as Error).message}`) as Error & { statusCode: number };
      err.statusCode = 400;
      done(err, undefined);
    }
  });
}
