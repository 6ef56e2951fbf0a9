/**
 * One status line on stderr, redrawn in place: a spinner while waiting (a session starting, a
 * statement queued), a bar once Spark reports progress. Off when stderr is not a terminal, so
 * scripts and logs get no control characters.
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR = 24;

export class Progress {
  private label = '';
  private fraction: number | undefined;
  private since = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(private readonly stream: NodeJS.WritableStream, readonly enabled: boolean) {}

  /** Shows (or relabels) the line; `fraction` in [0, 1] turns the spinner into a bar. */
  update(label: string, fraction?: number): void {
    if (!this.enabled) return;
    if (!this.timer) {
      this.since = Date.now();
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref();
    }
    this.label = label;
    this.fraction = fraction;
    this.draw();
  }

  /** Erases the line (before other output); the next tick draws it again. */
  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  render(): string {
    const secs = Math.floor((Date.now() - this.since) / 1000);
    const spin = FRAMES[this.frame++ % FRAMES.length];
    if (this.fraction === undefined) return `${spin} ${this.label} (${secs}s)`;
    const f = Math.max(0, Math.min(1, this.fraction));
    const filled = Math.round(f * BAR);
    return `${spin} ${this.label} [${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${Math.floor(f * 100)}% (${secs}s)`;
  }

  private draw(): void {
    this.stream.write(`\r\x1b[2K${this.render()}`);
    this.shown = true;
  }
}
