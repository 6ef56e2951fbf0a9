/**
 * HTTPS on the REST port when http.tls.certFile and http.tls.keyFile are set: Basic passwords
 * and bearer tokens must not cross a network in clear. The files are read once, at start; a
 * half-made setting or an unreadable file stops the server rather than serving plain HTTP.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config.ts';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

export function tlsEnabled(cfg: Config): boolean {
  return Boolean(cfg.http.tls.certFile || cfg.http.tls.keyFile);
}

export function readTls(cfg: Config): TlsFiles | null {
  const { certFile, keyFile } = cfg.http.tls;
  if (!certFile && !keyFile) return null;
  if (!certFile || !keyFile) {
    throw new Error(`TLS needs both http.tls.certFile and http.tls.keyFile (only ${certFile ? 'certFile' : 'keyFile'} is set)`);
  }
  const read = (file: unknown, setting: string) => {
    // A null default lets the config loader accept any JSON here; a number would be read as a file descriptor.
    if (typeof file !== 'string') throw new Error(`Setting ${setting} must be a file path, got ${JSON.stringify(file)}`);
    try {
      return readFileSync(file);
    } catch (e) {
      throw new Error(`Cannot read ${setting} ${file}: ${(e as Error).message}`);
    }
  };
  return { cert: read(certFile, 'http.tls.certFile'), key: read(keyFile, 'http.tls.keyFile') };
}
