/**
 * A StatementDispatcher on its own, for unit tests: one wired to a fake clock, an event bus, a
 * store that records its writes and hooks that record what they heard; and an ok output.
 */
import type { StatementOutput } from '@sparkport/protocol';
import { FakeClock } from '../../src/clock.ts';
import { EventBus, type StatementBusEvent } from '../../src/domain/event-bus.ts';
import { StatementDispatcher } from '../../src/domain/statement-dispatcher.ts';

export const ok = (id: number, text: string): StatementOutput => ({ status: 'ok', execution_count: id, data: { 'text/plain': text } });

export function world() {
  const clock = new FakeClock();
  const bus = new EventBus();
  const writes: string[] = [];
  const heard: string[] = [];
  const disp = new StatementDispatcher({
    sessionId: 1, clock, bus, nextId: 0,
    store: { insertStatement: (s) => writes.push(`insert ${s.id} ${s.state}`), updateStatement: (s) => writes.push(`update ${s.id} ${s.state}`) },
    hooks: { busy: (s) => heard.push(`busy ${s.id}`), idle: () => heard.push('idle'), settled: () => heard.push('settled') },
  });
  const events = (stmtId: number) => {
    const seen: StatementBusEvent[] = [];
    bus.onStatement(1, stmtId, (ev) => seen.push(ev));
    return seen;
  };
  return { clock, bus, disp, writes, heard, events };
}
