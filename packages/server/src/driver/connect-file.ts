/**
 * Where a session's driver finds the server's driver listener when it has to call again: a
 * restarted server may listen elsewhere, and writes its address (host:port) here for the drivers
 * it takes on. In the work directory, so the driver sees it inside the sandbox; written as
 * work-dir-files.ts writes, since session code can plant things there.
 */
import path from 'node:path';
import { replaceFile } from './work-dir-files.ts';

export function connectFile(workDir: string): string {
  return path.join(workDir, 'driver.connect');
}

/** Replaces the file atomically (the driver reads the old address or the new), mode 600, through no link. */
export function writeConnectFile(workDir: string, hostPort: string): void {
  replaceFile(connectFile(workDir), hostPort);
}
