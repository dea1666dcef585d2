/** Test helper: metrics lines of a trainAsync call made without the trainer, appended to a metrics.jsonl. */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { encodeRecord, type MetricInput } from '../report/metrics.js';

/** appendMetric(file): a record function that appends each line to `file` (folder created). */
export function appendMetric(file: string): (record: MetricInput) => void {
  return (record) => {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `${encodeRecord({ ...record, time: record.time ?? Date.now() / 1000 })}\n`);
  };
}
