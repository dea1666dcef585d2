/**
 * Debian's headless Chromium for tests and benchmarks that drive a page: the page posts its result to a server the
 * caller runs; this opens the page in a fresh profile, waits for that result, and closes the browser it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = 'chromium';
const DEFAULT_TIMEOUT_MS = 120_000;

/** Whether `chromium` is on the PATH. */
export function hasChromium(): boolean {
  return spawnSync(CHROMIUM, ['--version']).status === 0;
}

/** openUntil(url, result, timeoutMs): `url` in headless Chromium until `result` settles; resolves to its value. */
export async function openUntil<T>(url: string, result: Promise<T>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-chromium-'));
  const browser = spawn(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, url], {
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => browser.once('exit', resolve));
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      result,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`chromium: ${url} gave no result in ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
      }),
      exited.then(() => Promise.reject(new Error(`chromium exited before ${url} gave a result`))),
    ]);
  } finally {
    clearTimeout(timer);
    if (browser.exitCode === null && browser.signalCode === null) {
      browser.kill();
      await exited;
    }
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  }
}
