/**
 * Supervision of a set of child processes that live and die together (the ranks started by `gim launch`): their
 * output is passed through line by line behind a label; when one exits non-zero or is killed, every other one is
 * sent SIGTERM and, after a grace period, SIGKILL; SIGINT or SIGTERM sent to this process is forwarded to them (a
 * second one kills them at once). Each child runs in its own process group, so a terminal's Ctrl-C reaches the
 * children once (forwarded), not twice, and SIGKILL and the final sweep reach their own children too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { watchInterrupts, type StopSignalName } from './interrupt.js';

/** One process to start. */
export interface ChildSpec {
  /** Written before each of its output lines, and used in messages, e.g. `rank 2`. */
  label: string;
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
}

/** How a child ended: its exit code, or the signal that ended it. */
export interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SuperviseArgs {
  children: readonly ChildSpec[];
  /** Milliseconds between SIGTERM and SIGKILL when the children are stopped. */
  graceMs: number;
  /** Messages of the supervisor itself (default: stderr, prefixed `[launch]`). */
  log?: (line: string) => void;
  /** Where the children's prefixed output goes (default: this process's stdout and stderr). */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** The first child that failed (exited non-zero, was killed, or could not start). */
export interface ChildFailure {
  index: number;
  label: string;
  end: ChildEnd;
  /** The spawn error, when it could not start. */
  error?: Error;
}

export interface SuperviseResult {
  ends: ChildEnd[];
  failure: ChildFailure | null;
  /** The signal this process received and forwarded, if any. */
  interrupted: StopSignalName | null;
  /** Children that had to be sent SIGKILL after the grace period (or a second signal). */
  killed: number[];
  pids: number[];
}

/** describeEnd(end): `exited with code 3` or `was killed by SIGKILL`. */
export function describeEnd(end: ChildEnd): string {
  return end.signal !== null ? `was killed by ${end.signal}` : `exited with code ${end.code ?? '?'}`;
}

/** Splits a stream's chunks into lines and writes each behind `prefix`; flush() writes an unfinished last line. */
export class LinePrefixer {
  private pending = '';
  constructor(
    private readonly prefix: string,
    private readonly write: (text: string) => void,
  ) {}

  push(chunk: string): void {
    const text = this.pending + chunk;
    const lines = text.split('\n');
    this.pending = lines.pop()!;
    if (lines.length > 0) this.write(lines.map((l) => `${this.prefix}${l}\n`).join(''));
  }

  flush(): void {
    if (this.pending !== '') this.write(`${this.prefix}${this.pending}\n`);
    this.pending = '';
  }
}

/** Sends `signal` to the process group led by `pid`; false when no such group is left. */
function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** superviseChildren(args): start every child, supervise them (see the file comment), resolve once all have ended. */
export function superviseChildren(args: SuperviseArgs): Promise<SuperviseResult> {
  const log = args.log ?? ((line: string) => void process.stderr.write(`[launch] ${line}\n`));
  const out = args.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = args.stderr ?? ((t: string) => void process.stderr.write(t));
  const n = args.children.length;
  const ends: (ChildEnd | null)[] = new Array<ChildEnd | null>(n).fill(null);
  const killed: number[] = [];
  let failure: ChildFailure | null = null;
  let stopping = false;
  let killTimer: NodeJS.Timeout | null = null;

  return new Promise((resolve) => {
    const live = (): number[] => [...ends.keys()].filter((i) => ends[i] === null);
    const killNow = (): void => {
      for (const i of live()) {
        const pid = children[i]!.pid;
        if (pid !== undefined && signalGroup(pid, 'SIGKILL')) killed.push(i);
      }
    };
    const stopAll = (signal: NodeJS.Signals, why: string): void => {
      if (stopping) return;
      stopping = true;
      const others = live();
      if (others.length > 0) {
        const seconds = args.graceMs / 1000;
        log(`${why}: sending ${signal} to ${others.length} rank(s), SIGKILL to any still running after ${seconds} s`);
      }
      for (const i of others) children[i]!.kill(signal);
      killTimer = setTimeout(() => {
        if (live().length === 0) return;
        log(`grace period of ${args.graceMs / 1000} s over: SIGKILL to ${live().length} rank(s)`);
        killNow();
      }, args.graceMs);
    };
    const watch = watchInterrupts({
      log,
      message: `forwarding to the ${n} child process(es); send it again to kill them at once`,
      onStop: (signal) => stopAll(signal, `${signal} received`),
      onSecond: (signal) => {
        log(`${signal} again: SIGKILL to ${live().length} rank(s)`);
        killNow();
      },
    });

    const ended = (i: number, end: ChildEnd, error?: Error): void => {
      if (ends[i] !== null) return;
      ends[i] = end;
      const child = children[i]!;
      // Anything the child left running in its own process group goes with it.
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      const spec = args.children[i]!;
      const failed = error !== undefined || end.code !== 0;
      if (failed && failure === null && watch.signal === null) {
        failure = { index: i, label: spec.label, end, ...(error === undefined ? {} : { error }) };
        const what = error !== undefined ? `could not start (${error.message})` : describeEnd(end);
        stopAll('SIGTERM', `${spec.label} ${what}`);
      }
      if (live().length > 0) return;
      if (killTimer !== null) clearTimeout(killTimer);
      watch.dispose();
      resolve({
        ends: ends as ChildEnd[],
        failure,
        interrupted: watch.signal,
        killed,
        pids: children.map((c) => c.pid ?? -1),
      });
    };

    const children: ChildProcess[] = args.children.map((spec, i) => {
      const child = spawn(spec.command, [...spec.args], {
        env: spec.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const prefix = `[${spec.label}] `;
      const lines = [new LinePrefixer(prefix, out), new LinePrefixer(prefix, err)] as const;
      child.stdout!.setEncoding('utf8').on('data', (d: string) => lines[0].push(d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => lines[1].push(d));
      child.on('error', (e) => {
        for (const l of lines) l.flush();
        ended(i, { code: null, signal: null }, e);
      });
      // 'close' comes after the child's output streams have ended, so no line is lost.
      child.on('close', (code, signal) => {
        for (const l of lines) l.flush();
        ended(i, { code, signal });
      });
      return child;
    });
  });
}
