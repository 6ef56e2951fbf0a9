/**
 * A process's exit, remembered: callbacks added after it happened still hear of it, and it is
 * reported once however many events ('exit', 'close', 'error') announce it.
 */
export class ExitLatch {
  private info: [number | null, string | null] | undefined;
  private cbs: ((code: number | null, signal: string | null) => void)[] = [];

  get exited(): boolean { return this.info !== undefined; }

  fire = (code: number | null, signal: string | null): void => {
    if (this.info) return;
    this.info = [code, signal];
    for (const cb of this.cbs) cb(code, signal);
  };

  on(cb: (code: number | null, signal: string | null) => void): void {
    if (this.info) cb(...this.info);
    else this.cbs.push(cb);
  }
}
