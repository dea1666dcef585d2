import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exitCodeOf, watchInterrupts, yieldToEventLoop } from './interrupt.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

describe('watchInterrupts', () => {
  it('records the first of SIGINT / SIGTERM, hands a second one to onSecond, and unregisters', () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const stops: string[] = [];
    const seconds: string[] = [];
    const w = watchInterrupts({ log: () => undefined, onStop: (s) => stops.push(s), onSecond: (s) => seconds.push(s) });
    expect([w.requested, w.signal]).toEqual([false, null]);
    process.emit('SIGTERM');
    process.emit('SIGINT');
    expect([w.requested, w.signal, stops, seconds]).toEqual([true, 'SIGTERM', ['SIGTERM'], ['SIGINT']]);
    w.dispose();
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
    expect([exitCodeOf('SIGINT'), exitCodeOf('SIGTERM')]).toEqual([130, 143]);
  });

  it('a real signal reaches a busy loop that yields each step', async () => {
    const w = watchInterrupts({ log: () => undefined });
    let steps = 0;
    try {
      while (!w.requested && steps < 1000) {
        if (++steps === 3) process.kill(process.pid, 'SIGINT');
        await yieldToEventLoop();
      }
    } finally {
      w.dispose();
    }
    expect(steps).toBe(3);
  });

  it('a second Ctrl-C exits at once with 130 (a process that would otherwise run on)', async () => {
    const script = [
      `const { watchInterrupts, yieldToEventLoop } = await import(${JSON.stringify(path.join(HERE, 'interrupt.ts'))});`,
      `watchInterrupts({ log: () => undefined });`,
      `console.log('ready');`,
      `for (;;) await yieldToEventLoop();`, // ignores the first request: only the second signal can end it
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.once('data', () => {
        process.kill(child.pid!, 'SIGINT');
        setTimeout(() => process.kill(child.pid!, 'SIGINT'), 200);
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code).toBe(130);
  });
});
