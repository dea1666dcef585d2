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
  // Its own process group, so that closing it also closes the helper processes it started.
  const browser = spawn(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, url], {
    stdio: 'ignore',
    detached: true,
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
    if (browser.exitCode === null && browser.signalCode === null && browser.pid !== undefined) {
      process.kill(-browser.pid, 'SIGTERM');
      await exited;
    }
    await removeProfile(profile);
  }
}

const PROFILE_REMOVAL_TRIES = 10;
const PROFILE_REMOVAL_WAIT_MS = 200;

/** Remove a temporary browser profile; helpers that are still closing may write into it for a moment. */
async function removeProfile(profile: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      fs.rmSync(profile, { recursive: true, force: true });
      return;
    } catch (err) {
      if (attempt === PROFILE_REMOVAL_TRIES) {
        process.stderr.write(
          `chromium: could not remove the temporary profile ${profile}: ${(err as Error).message}\n`,
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, PROFILE_REMOVAL_WAIT_MS));
    }
  }
}
