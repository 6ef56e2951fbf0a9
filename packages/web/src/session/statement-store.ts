/**
 * A session's statements as the notebook shows them: a sparse history filled a page at a time
 * as rows come into view, kept current by the session's event stream, with the printed lines
 * and Spark progress of running statements streamed live.
 *
 * Statements are kept by id: the server numbers a session's statements 0, 1, 2… and never
 * removes one while the session lasts, so an id is also its row in the history, and the list's
 * `from` (an offset, oldest first) is an id.
 *
 * Memory stays bounded (statement-budget.ts): statements far from the rows on screen are let go
 * and read again when they come back into view. Statements' streams close while the page is
 * hidden (visibility.ts) and open again, from the start of the statement, when it is shown.
 */
import { NetworkError, SparkportError, statementMachine, type SparkportClient, type Statement } from '@sparkport/client';
import { isAbort, isUnauthorized } from '../api.ts';
import { pageHidden } from '../visibility.ts';
import { MAX_KEPT_ROWS, OUTPUT_BUDGET, PRINTED_BUDGET, PRINTED_MAX, beyondBudget, statementSize } from './statement-budget.ts';
import { sleep } from '../sleep.ts';

export const PAGE = 100;
/** Live output kept per running statement; the final output replaces it anyway. */
const LIVE_TEXT_MAX = 512 * 1024;
/** Ends printed text that stopped short: the statement ended while its stream was closed. */
const MISSED = '… (lines printed after this page stopped listening were not received)\n';
/** Rows read beyond those asked for, below and above them: a short scroll finds them here. */
const READ_BEFORE = 10;
const READ_AFTER = 40;

export interface LiveRun {
  /** What the code printed so far, stdout and stderr as they came. */
  text: string;
  progress: number;
  /** Output events the server left out because we read too slowly. */
  skipped: number;
}

export const isOpen = (state: string) => !statementMachine.is(state as never, 'finished');
/** How far along its life a state is: an answer with an earlier state is an older view. */
const rank = (state: string) => ({ waiting: 0, running: 1, cancelling: 2 } as Record<string, number>)[state] ?? 3;

export class StatementStore {
  items: (Statement | undefined)[] = [];
  count = 0;
  /** The newest page has come (until then the history's length is unknown). */
  ready = false;
  live = new Map<number, LiveRun>();
  /**
   * What a statement printed before it failed or was cancelled, as it streamed: an error output
   * has no printed text of its own (Livy's shape), so without this it would vanish at the end.
   * Its tail only (PRINTED_MAX), and only within PRINTED_BUDGET in all, nearest the view first.
   */
  printed = new Map<number, string>();
  /** Statements run from this page's console. */
  mine = new Set<number>();
  error: unknown = null;
  version = 0;
  /** Counts pages that failed to load and may be asked for again: the list tries the rows in view. */
  retries = 0;

  private pending = new Set<number>();
  private follows = new Map<number, AbortController>();
  /** Statements whose stream was closed because the page was hidden: followed again when it is shown. */
  private parked = new Set<number>();
  private ac = new AbortController();
  private listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | 0 = 0;
  /** The rows on screen (ascending), as the notebook last told; until then, the newest. */
  private view: number[] | null = null;
  /** Statements came in since the last trim. */
  private grew = false;

  constructor(
    private readonly client: SparkportClient,
    private readonly sessionId: string,
    private readonly unauthorized: (e: unknown) => void,
  ) {
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  private onVisibility = () => {
    if (this.ac.signal.aborted) return;
    if (pageHidden()) {
      // Deleted from `follows` here, not when each loop ends, so a quick show can follow again at once.
      for (const [id, ac] of this.follows) { ac.abort(); this.parked.add(id); }
      this.follows.clear();
    } else {
      const ids = [...this.parked];
      this.parked.clear();
      for (const id of ids) this.follow(id);
    }
  };

  subscribe(fn: () => void) {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  /** Changes are told at most once a frame: a statement printing fast must not re-render per line. */
  private changed() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = 0;
      if (this.grew) this.trim();
      this.version++;
      for (const l of this.listeners) l();
    }, 16);
  }

  private fail(e: unknown) {
    if (this.ac.signal.aborted || isAbort(e)) return;
    if (isUnauthorized(e)) this.unauthorized(e);
    this.error = e;
    this.changed();
  }

  clearError() { this.error = null; this.changed(); }

  dispose() {
    this.ac.abort();
    for (const f of this.follows.values()) f.abort();
    if (this.timer) clearTimeout(this.timer);
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  /**
   * The rows the notebook shows now: those not here are read, and statements far from them
   * are let go (see statement-budget.ts).
   */
  viewing(rows: number[]) {
    const view = this.view = [...rows].sort((a, b) => a - b);
    // Each run of consecutive rows at once (the focused row may be far from the others).
    for (let i = 0, start = 0; i < view.length; i++) {
      if (view[i + 1] !== view[i]! + 1) { this.ensure(view[start]!, view[i]!); start = i + 1; }
    }
    if (this.trim()) this.changed();
  }

  /** Lets go of the statements, and printed texts, beyond the budgets, farthest from the view first; true if any went. */
  private trim(): boolean {
    this.grew = false;
    const view = this.view ?? (this.count ? [this.count - 1] : []);
    const loaded: number[] = [];
    this.items.forEach((s, id) => { if (s) loaded.push(id); });
    // Open statements are few and followed: they stay whatever their distance.
    const drop = beyondBudget(loaded, (id) => statementSize(this.items[id]!), view, OUTPUT_BUDGET, MAX_KEPT_ROWS,
      (id) => isOpen(this.items[id]!.state) || this.follows.has(id) || this.parked.has(id));
    for (const id of drop) this.items[id] = undefined;
    const printedDrop = beyondBudget([...this.printed.keys()], (id) => this.printed.get(id)!.length, view, PRINTED_BUDGET, Infinity);
    for (const id of printedDrop) this.printed.delete(id);
    return drop.length > 0 || printedDrop.length > 0;
  }

  /**
   * The newest page: what one looks at first, and it tells how long the history is. Again after
   * missed events (a reconnect, a `dropped`), with every open statement.
   */
  async resync() {
    try {
      const page = await this.client.listStatements(this.sessionId, { order: 'desc', size: PAGE });
      this.grow(page.total_statements);
      for (const s of page.statements) this.put(s);
      const oldest = page.statements.at(-1)?.id ?? this.count;
      this.items.forEach((s, id) => { if (s && id < oldest && isOpen(s.state)) void this.fetch(id); });
      this.ready = true;
      if (this.error) this.error = null;
      this.changed();
    } catch (e) {
      // Unreachable: the session's stream says so already, and resyncs when it is back.
      if (!(e instanceof NetworkError)) this.fail(e);
    }
  }

  /**
   * Loads rows first..last that are not here yet, with the missing rows about them (a few
   * before, more after) within their page of PAGE: a run of missing rows is one request.
   */
  ensure(first: number, last: number) {
    const absent = (i: number) => !this.items[i] && !this.pending.has(i);
    for (let id = Math.max(0, first); id <= last && id < this.count; id++) {
      if (!absent(id)) continue;
      const pageFrom = id - (id % PAGE), pageTo = Math.min(this.count, pageFrom + PAGE);
      let from = id;
      while (from > Math.max(pageFrom, first - READ_BEFORE) && absent(from - 1)) from--;
      let to = id + 1;
      while (to < Math.min(pageTo, Math.max(last, id) + 1 + READ_AFTER) && absent(to)) to++;
      void this.loadPage(from, to, Math.min(last, to - 1));
      id = to - 1;
    }
  }

  /** Reads rows from..to-1, stopping once rows up to `wanted` are here (later ones wait to be in view). */
  private async loadPage(from: number, to: number, wanted: number) {
    for (let i = from; i < to; i++) this.pending.add(i);
    try {
      let at = from;
      // A page may come cut short (the server's byte budget): `next` says where to go on.
      while (at < to && !this.ac.signal.aborted) {
        const page = await this.client.listStatements(this.sessionId, { from: at, size: to - at, order: 'asc' });
        for (const s of page.statements) this.put(s);
        if (page.next === undefined || page.next <= at || page.next > wanted) break;
        at = page.next;
      }
      for (let i = from; i < to; i++) this.pending.delete(i);
      this.changed();
    } catch (e) {
      this.fail(e);
      // Tried again once it scrolls into view after a pause, not in a loop of renders.
      setTimeout(() => {
        for (let i = from; i < to; i++) this.pending.delete(i);
        this.retries++;
        this.changed();
      }, 5000);
    }
  }

  private grow(count: number) {
    if (count <= this.count) return;
    this.count = count;
    this.items.length = count;
    this.changed();
  }

  /** Takes a statement as the server gave it, unless we already hold a later view of it. */
  put(s: Statement) {
    const cur = this.items[s.id];
    if (cur && rank(cur.state) > rank(s.state)) return;
    this.grow(s.id + 1);
    this.items[s.id] = s;
    this.grew = true;
    this.changed();
    if (s.state === 'running' || s.state === 'cancelling') this.follow(s.id);
  }

  private patchState(id: number, state: string) {
    const cur = this.items[id];
    if (cur && rank(state) >= rank(cur.state) && cur.state !== state) {
      this.items[id] = { ...cur, state: state as Statement['state'] };
      this.changed();
    }
  }

  private async fetch(id: number) {
    try {
      this.put(await this.client.getStatement(this.sessionId, id));
    } catch (e) {
      this.fail(e);
    }
  }

  /** A `statement` event of the session stream: a statement was queued, started or ended. */
  onSessionStatement(ev: { id: number; state: string }) {
    this.grow(ev.id + 1);
    this.patchState(ev.id, ev.state);
    if (this.follows.has(ev.id)) return; // its own stream tells the rest
    if (ev.state === 'running' || ev.state === 'cancelling') this.follow(ev.id);
    else void this.fetch(ev.id); // queued: its code; finished: its output
  }

  async submit(code: string, kind: string): Promise<Statement> {
    const s = await this.client.submit(this.sessionId, code, kind);
    this.mine.add(s.id);
    this.put(s);
    // Followed from the start unless many are queued: streams are counted per user by the
    // server, and a queued one is followed anyway once the session stream says it runs.
    if (this.follows.size < 4) this.follow(s.id);
    return s;
  }

  async cancel(id: number) {
    try {
      await this.client.cancel(this.sessionId, id);
    } catch (e) {
      this.fail(e);
    }
  }

  /** Streams a statement's output and progress until it is done (one stream per statement). */
  follow(id: number) {
    if (this.follows.has(id) || this.ac.signal.aborted) return;
    if (pageHidden()) { this.parked.add(id); return; }
    const ac = new AbortController();
    this.follows.set(id, ac);
    void this.runFollow(id, ac.signal).finally(() => {
      if (this.follows.get(id) === ac) this.follows.delete(id);
      this.changed();
    });
  }

  private startRun(id: number): LiveRun {
    const run = { text: '', progress: 0, skipped: 0 };
    this.live.set(id, run);
    return run;
  }

  private async runFollow(id: number, signal: AbortSignal) {
    for (let attempt = 0; !signal.aborted; attempt++) {
      let final: Statement | null | undefined;
      try {
        for await (const ev of this.client.statementEvents(this.sessionId, id, signal)) {
          if (ev.event === 'statement') {
            const had = this.live.get(id);
            if (had && !isOpen(ev.data.state)) {
              // It ended while the stream was closed (the page hidden, a dropped connection): the
              // server replays printed lines only while a statement runs, so keep what came before.
              if (had.text && !had.text.endsWith(MISSED)) had.text += MISSED;
              had.progress = ev.data.progress;
            } else {
              // Sent first on every connection, the lines printed so far after it: start afresh.
              this.startRun(id).progress = ev.data.progress;
            }
            this.put(ev.data);
            continue;
          }
          const run = this.live.get(id) ?? this.startRun(id);
          if (ev.event === 'output') {
            run.text += ev.data.text;
            if (run.text.length > LIVE_TEXT_MAX) run.text = run.text.slice(-LIVE_TEXT_MAX);
          } else if (ev.event === 'progress') run.progress = ev.data.progress;
          else if (ev.event === 'state') this.patchState(id, ev.data.state);
          else if (ev.event === 'dropped') run.skipped += ev.data.events;
          else if (ev.event === 'done') final = (ev.data as Statement | null) ?? null;
          this.changed();
        }
        if (final !== undefined) {
          const s = final ?? await this.client.getStatement(this.sessionId, id);
          const text = this.live.get(id)?.text;
          // An ok output holds its printed text; an error or cancelled one does not.
          if (text && s.output?.status !== 'ok') this.printed.set(id, text.length > PRINTED_MAX ? `…${text.slice(-PRINTED_MAX)}` : text);
          this.live.delete(id);
          this.put(s);
          return;
        }
        // The stream ended without `done` (the server restarted): connect again.
      } catch (e) {
        if (signal.aborted || isAbort(e)) return;
        if (e instanceof SparkportError && e.status < 500 && e.status !== 429) {
          this.live.delete(id);
          this.fail(e);
          return;
        }
        if (attempt >= 5) { this.live.delete(id); this.fail(e); return; }
      }
      await sleep(Math.min(500 * 2 ** attempt, 10_000), signal);
    }
  }

  /** The statement running now (run from here or elsewhere), else the first one queued from here. */
  active(): Statement | undefined {
    for (const id of this.follows.keys()) {
      const s = this.items[id];
      if (s && (s.state === 'running' || s.state === 'cancelling')) return s;
    }
    let queued: Statement | undefined;
    for (const id of this.mine) {
      const s = this.items[id];
      if (s?.state === 'waiting' && (!queued || id < queued.id)) queued = s;
    }
    return queued;
  }
}
