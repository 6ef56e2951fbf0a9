// Writes protocol.json (see packages/protocol/src/generate-json.ts) to each place that ships it.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_JSON_PATHS, protocolJson } from '../packages/protocol/src/generate-json.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const text = protocolJson();
for (const p of PROTOCOL_JSON_PATHS) {
  writeFileSync(path.join(root, p), text);
  process.stdout.write(`wrote ${p}\n`);
}
