/**
 * The supervised head's own accuracy (bench/lib/vision-head.ts): `npx tsx bench/vision-head-accuracy.ts <run> [<run> …]
 * [--max-train N]` prints one JSON line per run with each supervised module's test and train accuracy (centre crops,
 * the newest checkpoint). Train accuracy on the first N training images (default: all 60k).
 */
import { supervisedHeadAccuracy } from './lib/vision-head.js';

const args = process.argv.slice(2);
const at = args.indexOf('--max-train');
const maxTrain = at >= 0 ? Number(args[at + 1]) : 0;
if (!Number.isInteger(maxTrain) || maxTrain < 0) {
  console.error(`--max-train: expected a non-negative integer, got ${args[at + 1]}`);
  process.exit(2);
}
const runs = args.filter((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1));
if (runs.length === 0) {
  console.error('usage: npx tsx bench/vision-head-accuracy.ts <run> [<run> …] [--max-train N]');
  process.exit(2);
}
for (const run of runs) console.log(JSON.stringify(supervisedHeadAccuracy(run, maxTrain)));
