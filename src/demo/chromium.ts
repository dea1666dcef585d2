/**
 * Debian's headless Chromium for tests and benchmarks that drive a page: the page posts its result to a server the
 * caller runs; this opens the page in a fresh profile, waits for that result, and closes the browser it started.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

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

export interface ScreenshotArgs {
  url: string;
  /** The PNG to write. */
  file: string;
  width: number;
  height: number;
  /** Virtual time the page gets before the picture is taken (ms). */
  budgetMs?: number;
}

const SCREENSHOT_BUDGET_MS = 30_000;

/** screenshot(args): a PNG of the page at `url` after its virtual-time budget, in a fresh profile; resolves to stdout. */
export async function screenshot(args: ScreenshotArgs): Promise<string> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-chromium-'));
  try {
    const { stdout } = await promisify(execFile)(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        `--user-data-dir=${profile}`,
        `--virtual-time-budget=${args.budgetMs ?? SCREENSHOT_BUDGET_MS}`,
        `--screenshot=${args.file}`,
        `--window-size=${args.width},${args.height}`,
        args.url,
      ],
      { timeout: DEFAULT_TIMEOUT_MS, maxBuffer: 1 << 24 },
    );
    return stdout;
  } finally {
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
