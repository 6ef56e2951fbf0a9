/**
 * A credentials file (htpasswd, tokens, JWKS) read at start and read again whenever it changes,
 * so operators add or remove users without a restart. At start a bad file stops the server with
 * the parser's message; later, a file that has become unreadable or invalid fails closed (no one
 * is let in by it) and is logged, rather than leaving removed users in on the old contents.
 */
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

type Stamp = string;

function stampOf(s: { mtimeMs: number; size: number; ino: number }): Stamp {
  // The inode too: an editor or `mv` that replaces the file within the same millisecond and size.
  return `${s.mtimeMs}:${s.size}:${s.ino}`;
}

export class WatchedFile<T> {
  readonly file: string;
  private value: T | null;
  private stamp: Stamp;
  private pending: Promise<T | null> | null = null;

  /** Reads and parses now; throws (for a startup message) when the file is missing or invalid. */
  constructor(file: string, private readonly what: string, private readonly parse: (text: string) => T,
    private readonly log: (msg: string) => void) {
    this.file = path.resolve(file);
    let text: string;
    try {
      this.stamp = stampOf(statSync(this.file));
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      throw new Error(`Cannot read the ${what} ${this.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      this.value = parse(text);
    } catch (e) {
      throw new Error(`The ${what} ${this.file} is invalid: ${(e as Error).message}`);
    }
  }

  /** The current contents, re-read if the file changed since; null while it is unusable. */
  async current(): Promise<T | null> {
    let stamp: Stamp;
    try {
      stamp = stampOf(await stat(this.file));
    } catch (e) {
      if (this.stamp !== 'missing') this.log(`auth: the ${this.what} ${this.file} cannot be read (${(e as NodeJS.ErrnoException).code}); refusing its credentials until it is back`);
      this.stamp = 'missing';
      this.value = null;
      return null;
    }
    if (stamp === this.stamp) return this.value;
    // One re-read however many requests notice the change at once.
    this.pending ??= this.reload(stamp).finally(() => { this.pending = null; });
    return this.pending;
  }

  private async reload(stamp: Stamp): Promise<T | null> {
    try {
      this.value = this.parse(await readFile(this.file, 'utf8'));
      this.log(`auth: re-read the ${this.what} ${this.file}`);
    } catch (e) {
      this.value = null;
      this.log(`auth: the ${this.what} ${this.file} is invalid, refusing its credentials until it is fixed: ${(e as Error).message}`);
    }
    this.stamp = stamp;
    return this.value;
  }
}
