/**
 * At most `http.maxConnections` client connections open at once. Held requests are limited on
 * their own (limits.longPolls, limits.eventStreams), but a client can also open sockets and keep
 * them idle, or many clients can arrive together: without a cap they would use up the file
 * descriptors that drivers' links, the store and the audit log need too. A connection past the
 * cap is closed as it is accepted (Node's maxConnections): nothing has been read from it, so
 * there is no request to answer. Each one is counted, and the log says so at most once a minute
 * with how many, naming the setting, so that a flood does not become a flood of log lines.
 */
import type { Server } from 'node:net';

const LOG_EVERY_MS = 60_000;

export function installConnectionLimit(server: Server, max: number, onRefused: () => void, log: (msg: string) => void): void {
  if (max <= 0) return;
  server.maxConnections = max;
  let refused = 0;
  let loggedAt = -Infinity;
  server.on('drop', () => {
    onRefused();
    refused++;
    const now = Date.now();
    if (now - loggedAt < LOG_EVERY_MS) return;
    log(`refused ${refused} connection(s) since the last such line: ${max} were open (setting http.maxConnections)`);
    loggedAt = now;
    refused = 0;
  });
}
