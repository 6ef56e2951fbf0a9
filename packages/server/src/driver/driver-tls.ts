/**
 * The TLS certificate and key of the TCP driver listener (driver.tls), read once per server: the
 * listener serves these bytes, and drivers are given the same certificate to pin, so a
 * certificate renewed on disk meanwhile can't make the two disagree (the next start picks it up).
 * Drivers get the leaf alone, parsed as a certificate: never the rest of a chain file (a CA in it
 * would let every certificate that CA issued pass), never a key that shares the file.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config.ts';

export interface DriverTls {
  cert: Buffer;
  key: Buffer;
  /** The leaf certificate, PEM: what drivers pin. */
  leafPem: string;
}

const loaded = new Map<string, DriverTls>();

/** driver.tls, both files or neither; undefined when off. Throws, naming the setting, on a bad file. */
export function driverTls(cfg: Pick<Config, 'driver'>): DriverTls | undefined {
  const { certFile, keyFile } = cfg.driver.tls;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new Error('driver.tls needs both certFile and keyFile');
  const at = `${certFile}\0${keyFile}`;
  let tls = loaded.get(at);
  if (!tls) {
    const cert = readFileSync(certFile);
    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(cert);
    } catch (e) {
      throw new Error(`driver.tls.certFile ${certFile} holds no PEM certificate: ${(e as Error).message}`);
    }
    tls = { cert, key: readFileSync(keyFile), leafPem: leaf.toString() };
    loaded.set(at, tls);
  }
  return tls;
}
