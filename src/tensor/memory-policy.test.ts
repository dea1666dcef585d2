/**
 * How the addon sets up glibc's malloc when it loads (native/src/memory_policy.cc): freed memory kept for the next
 * allocation, unless the user tuned malloc through MALLOC_* variables or set GIM_KEEP_FREED_MEMORY=0. Each case loads
 * the addon in a fresh process, since the policy is applied once, at load.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryPolicy } from './runtime.js';

const runtime = path.join(path.dirname(fileURLToPath(import.meta.url)), 'runtime.ts');
const glibc =
  typeof (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime ===
  'string';

/** The policy a fresh process reports with `env` (MALLOC_* and GIM_KEEP_FREED_MEMORY of this process left out). */
function policyIn(env: Record<string, string>): string {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('MALLOC_') && k !== 'GIM_KEEP_FREED_MEMORY'),
  );
  const code = `import { memoryPolicy } from ${JSON.stringify(runtime)}; process.stdout.write(memoryPolicy());`;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: { ...inherited, ...env },
    encoding: 'utf8',
  }).trim();
}

describe('memoryPolicy', () => {
  it('reports one of its documented values in this process', () => {
    expect(['keep-freed', 'user', 'not-glibc', 'refused']).toContain(memoryPolicy());
  });

  it.runIf(glibc)('keeps freed memory on glibc when the user has not tuned malloc', () => {
    expect(policyIn({})).toBe('keep-freed');
  });

  it.runIf(glibc)("leaves malloc alone when a MALLOC_* variable is set (the user's tuning wins)", () => {
    expect(policyIn({ MALLOC_MMAP_THRESHOLD_: String(128 * 1024) })).toBe('user');
    expect(policyIn({ MALLOC_TRIM_THRESHOLD_: '0' })).toBe('user');
  });

  it.runIf(glibc)('leaves malloc alone with GIM_KEEP_FREED_MEMORY=0, and not with another value', () => {
    expect(policyIn({ GIM_KEEP_FREED_MEMORY: '0' })).toBe('user');
    expect(policyIn({ GIM_KEEP_FREED_MEMORY: '1' })).toBe('keep-freed');
  });
});
