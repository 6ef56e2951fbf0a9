/** `npm run bench`: every benchmark, results printed and written to bench/results.json. */
import { capacity } from './capacity.ts';
import { clusterStart } from './cluster-start.ts';
import { load } from './load.ts';
import { recovery } from './recovery.ts';
import { roundtrip } from './roundtrip.ts';
import { scalaBench } from './scala.ts';
import { sessionStart } from './session-start.ts';
import { sseLatency } from './sse-latency.ts';
import { sharedBench } from './shared.ts';
import { sqlBench } from './sql.ts';
import { warmStart } from './warm-start.ts';

await roundtrip();
await sseLatency();
await sessionStart();
await warmStart();
await sqlBench();
await sharedBench();
await scalaBench();
await recovery();
await load();
await clusterStart();
await capacity();
