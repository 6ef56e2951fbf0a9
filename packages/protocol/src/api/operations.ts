/**
 * For operators: a Prometheus scrape target and the probes of a load balancer or orchestrator.
 * Livy has none of these. The probes are public, as a probe carries no credentials and learns
 * only "up" or "not ready". The metrics need an authenticated user when authentication is on:
 * they are aggregate counts with no user names or ids in them, but they tell how busy the server
 * is and what fails, which is no one's business without an account; Prometheus scrapes with a
 * bearer token or Basic credentials as easily as without.
 */
import { HealthBody, ReadyBody } from '../operations.ts';
import { endpoint, textResponse } from './endpoint.ts';

const tags = ['operations'];

export const getMetrics = endpoint({
  method: 'GET', url: '/metrics', tags, access: 'authenticated', summary: 'Metrics in the Prometheus text format',
  responses: { 200: textResponse('Prometheus exposition format 0.0.4 (docs/API.md lists the metrics)') },
});

export const getHealth = endpoint({
  method: 'GET', url: '/health', tags, access: 'public', summary: 'Liveness: the process answers (always 200 while it runs)',
  responses: { 200: HealthBody },
});

export const getReady = endpoint({
  method: 'GET', url: '/ready', tags, access: 'public',
  summary: 'Readiness: 200 when the store is writable and drivers can call back; 503 otherwise, or while shutting down',
  responses: { 200: ReadyBody },
});
