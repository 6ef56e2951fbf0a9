/**
 * The methods a path has, from the declarations, so that a path that exists answered with a
 * method it does not have is a 405 with `Allow` (RFC 9110 §15.5.6), not a 404 that would say
 * the path does not exist.
 */
import { ENDPOINTS } from '@sparkport/protocol';

const patterns = ENDPOINTS.map((ep) => ({
  method: ep.method,
  // `:name` is one path segment, as in Fastify's router.
  re: new RegExp(`^${ep.url.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`),
}));

/** Every method some endpoint has on this path (HEAD wherever GET is, as Fastify answers it); none for a path no endpoint has. */
export function allowedMethods(url: string): string[] {
  const path = url.split('?')[0]!;
  const methods = new Set(patterns.filter((p) => p.re.test(path)).map((p) => p.method as string));
  if (methods.has('GET')) methods.add('HEAD');
  return ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'].filter((m) => methods.has(m));
}
