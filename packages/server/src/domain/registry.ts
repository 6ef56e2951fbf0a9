/**
 * What sessions and batches share: the in-memory set of tracked things (each a runtime holding
 * its persisted record), looked up by id or name, moved through its state table, persisted,
 * announced, forgotten, swept after retention and recovered after a restart. A manager keeps
 * one Registry and adds only what is its own (launching, stopping, statements…).
 *
 * How a manager uses it:
 *
 *   const reg = new Registry<BatchRecord, BatchRuntime, FlagOf<typeof batchMachine>>({
 *     noun: 'batch', notFoundCode: 'BATCH_NOT_FOUND', machine: batchMachine, finishedFlag: 'finished',
 *     clock, store: { nextId: () => store.nextBatchId(), insert: …, update: …, list: () => store.listBatches(), purge: … },
 *     revive: (rec) => new BatchRuntime(rec, …),        // a stored record → its runtime (recover)
 *     onEnter: (rt, to, reason) => { … },               // optional: stamp more before persisting
 *     onForget: (rt) => { … },                          // optional: its own bookkeeping, its work directory
 *     emit: (rt, ev) => bus.emitBatch(ev),              // once per transition, after persisting
 *   });
 *   create:   reg.checkNameFree(spec.name); if (reg.count('active') >= max) throw …;
 *             const rt = reg.insert(new BatchRuntime({ …spec, id: reg.nextId(), … }));
 *   routes:   reg.resolve(idOrName), reg.list()
 *   changes:  reg.transition(rt, 'running', 'spark-submit started');  other edits: reg.persist(rt)
 *   delete:   stop it, then reg.forget(rt)          (404 from then on; its row and history are purged)
 *   upkeep:   reg.sweep(config.sessions.stateRetainMs)   forgets finished things past retention
 *   restart:  for (const rt of reg.recover()) if (reg.is(rt, 'live')) …mark it lost…
 *
 * Messages are built from `noun` so they stay Livy's and today's: "Session 'x' not found.",
 * "Duplicate session name 'x': choose another name or delete that session", "Batch 3 cannot go
 * from 'dead' to 'running'".
 */
import type { ErrorCode, Machine } from '@sparkport/protocol';
import type { Clock } from '../clock.ts';
import { conflict, notFound } from './errors.ts';
import { checkTransition } from './state-machine.ts';

/** The fields every tracked record has; the registry reads and stamps only these. */
export interface TrackedRecord<S extends string = string> {
  id: number;
  name: string | null;
  state: S;
  stateReason: string | null;
  stateChangedAt: number;
  /** Set when it was forgotten: it is gone from the API and from the store. */
  deleted: boolean;
  logTail: string[];
}

/** A runtime: whatever a manager keeps in memory, as long as it holds the record. */
export interface Tracked<R extends TrackedRecord> {
  readonly id: number;
  record: R;
}

/** The store calls a registry needs, for one kind of record. */
export interface RecordStore<R> {
  /** Ids are never reused, even after a restart or a rejected create. */
  nextId(): number;
  insert(rec: R): void;
  update(rec: R): void;
  /** Stored records not deleted, ascending id. */
  list(): R[];
  /** Removes the record and everything stored with it (a session's statements), all or nothing. */
  purge(id: number): void;
}

export interface StateChange<S extends string = string> { id: number; state: S; reason: string; at: number }

/** The flag names of a machine, e.g. FlagOf<typeof batchMachine> = 'active' | 'finished'. */
export type FlagOf<M> = M extends Machine<string, infer F> ? F : never;

export interface RegistryOptions<R extends TrackedRecord, T extends Tracked<R>, F extends string> {
  /** Lower case, as in "Duplicate session name"; capitalised where a message starts with it. */
  noun: string;
  notFoundCode: ErrorCode;
  machine: Machine<R['state'], F>;
  /** States with this flag are over for good: the retention sweep forgets those. */
  finishedFlag: F;
  store: RecordStore<R>;
  clock: Clock;
  /** A stored record back into a runtime, on recover. */
  revive(rec: R): T;
  /** Runs with the new state stamped, before persisting: the place for a final log tail. */
  onEnter?(t: T, to: R['state'], reason: string): void;
  /** Runs when a thing is forgotten (delete or sweep): the manager's own bookkeeping, its work directory. */
  onForget?(t: T): void;
  /** Announces a transition; called once each, after it is persisted. */
  emit(t: T, ev: StateChange<R['state']>): void;
  /** Announces that the list changed: one added or forgotten (transitions are told by `emit`). */
  listChanged?(): void;
}

export class Registry<R extends TrackedRecord, T extends Tracked<R>, F extends string> {
  private readonly items = new Map<number, T>();
  private readonly Noun: string;

  constructor(private readonly o: RegistryOptions<R, T, F>) {
    this.Noun = o.noun.charAt(0).toUpperCase() + o.noun.slice(1);
  }

  nextId(): number { return this.o.store.nextId(); }

  /** Tracks a runtime in memory only (its record is stored already). */
  add(t: T): T {
    this.items.set(t.id, t);
    return t;
  }

  /** Stores a new record, then tracks its runtime: the row exists before anything is launched. */
  insert(t: T): T {
    this.o.store.insert(t.record);
    this.add(t);
    this.o.listChanged?.();
    return t;
  }

  /** By numeric id or by name, as every Livy route allows. Forgotten things are not found. */
  resolve(idOrName: string | number): T {
    const key = String(idOrName);
    const t = /^\d+$/.test(key) ? this.items.get(Number(key)) : this.findByName(key);
    if (!t || t.record.deleted) throw notFound(`${this.Noun} '${key}' not found.`, this.o.notFoundCode);
    return t;
  }

  /** Everything not forgotten, ascending id. */
  list(): T[] {
    return [...this.items.values()].filter((t) => !t.record.deleted).sort((a, b) => a.id - b.id);
  }

  /** Names are unique among things not forgotten; a forgotten thing's name is free again. */
  checkNameFree(name: string | null): void {
    if (name !== null && this.findByName(name)) {
      throw conflict(`Duplicate ${this.o.noun} name '${name}': choose another name or delete that ${this.o.noun}`, 'NAME_TAKEN');
    }
  }

  is(t: T, flag: F): boolean { return this.o.machine.is(t.record.state, flag); }

  /** How many things are in a state with this flag (for the max limits). */
  count(flag: F): number {
    let n = 0;
    for (const t of this.items.values()) if (!t.record.deleted && this.is(t, flag)) n++;
    return n;
  }

  /** The one way a state changes: check the table, stamp time and reason, persist, emit. */
  transition(t: T, to: R['state'], reason: string): void {
    checkTransition(this.o.machine, `${this.Noun} ${t.id}`, t.record.state, to);
    const at = this.o.clock.now();
    t.record.state = to;
    t.record.stateReason = reason;
    t.record.stateChangedAt = at;
    this.o.onEnter?.(t, to, reason);
    this.persist(t);
    this.o.emit(t, { id: t.id, state: to, reason, at });
  }

  persist(t: T): void { this.o.store.update(t.record); }

  /**
   * It is 404 from now on, and its stored history is gone (Livy, too, forgets a deleted session
   * at once). The caller stops whatever runs first.
   */
  forget(t: T): void {
    // Stored first: if the store refuses, it stays as it was rather than 404 now and back after a restart.
    this.o.store.purge(t.id);
    t.record.deleted = true;
    this.items.delete(t.id);
    this.o.onForget?.(t);
    this.o.listChanged?.();
  }

  /**
   * Forgets finished things whose last change is older than `retainMs`; returns them. One that
   * can't be forgotten now (the store refused) is left for the next sweep.
   */
  sweep(retainMs: number, onError?: (t: T, e: Error) => void): T[] {
    const now = this.o.clock.now();
    const expired = this.list().filter((t) => this.is(t, this.o.finishedFlag) && now - t.record.stateChangedAt > retainMs);
    return expired.filter((t) => {
      try {
        this.forget(t);
        return true;
      } catch (e) {
        onError?.(t, e as Error);
        return false;
      }
    });
  }

  /** Loads every stored record (not deleted) as a runtime; the manager decides what was lost. */
  recover(): T[] {
    return this.o.store.list().map((rec) => this.add(this.o.revive(rec)));
  }

  private findByName(name: string): T | undefined {
    for (const t of this.items.values()) if (!t.record.deleted && t.record.name === name) return t;
    return undefined;
  }
}
