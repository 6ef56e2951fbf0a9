/** The bodies of the endpoints operators and load balancers call: health and readiness. */
import { Type, type Static } from '@sinclair/typebox';

export const HealthBody = Type.Object({ status: Type.Literal('ok') });
export type HealthBody = Static<typeof HealthBody>;

export const ReadyBody = Type.Object({
  status: Type.Literal('ready'),
  /** What was checked; a failing check is a 503 {msg, code: NOT_READY} naming it instead. */
  checks: Type.Object({ store: Type.Literal('ok'), driverListener: Type.Literal('ok') }),
});
export type ReadyBody = Static<typeof ReadyBody>;
