/**
 * Writes one JSON Schema file per event type for analytics teams:
 * `npm run contracts:export [-- --out DIR]` (default libs/contracts/schemas).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { publishedSchemas } from '../json-schema';

const outIndex = process.argv.indexOf('--out');
const outDir = resolve(outIndex > 0 ? process.argv[outIndex + 1] : join(__dirname, '..', '..', 'schemas'));
mkdirSync(outDir, { recursive: true });
for (const published of publishedSchemas()) {
  const file = join(outDir, `${published.type}.schema.json`);
  const document = {
    $id: `urn:budget-erp:event:${published.type}`,
    title: published.type,
    description: `Payload of ${published.topic} (produced by ${published.producer}); CloudEvents binary mode over Kafka.`,
    ...published.schema,
  };
  writeFileSync(file, JSON.stringify(document, null, 2) + '\n');
  console.log(`wrote ${file}`);
}
