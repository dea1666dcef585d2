/**
 * Ctrl-C and SIGTERM for long runs, in one place: the first signal asks the run to stop after its current step (the
 * run saves, then exits 130 for SIGINT, 143 for SIGTERM); a second one exits at once. Handlers are registered with
 * process.on, so they work outside a terminal and when the signal reaches only this process. A loop that never
 * yields to the event loop never sees a signal: training loops call yieldToEventLoop() once per step.
 */

export type StopSignalName = 'SIGINT' | 'SIGTERM';

const SIGNALS: readonly StopSignalName[] = ['SIGINT', 'SIGTERM'];

/** The shell's exit status of a process stopped by a signal: 128 + its number. */
export const EXIT_CODE: Readonly<Record<StopSignalName, number>> = { SIGINT: 130, SIGTERM: 143 };

export interface WatchInterruptsArgs {
  /** Printed on the first signal (default: saving after this step). */
  message?: string;
  /** Called on the first signal, after `requested` is set. */
  onStop?: (signal: StopSignalName) => void;
  /** What a second signal does (default: exit at once with the signal's exit code). */
  onSecond?: (signal: StopSignalName) => void;
  log?: (line: string) => void;
}

/** A registered watch: read `requested` once per step; dispose() unregisters (always, e.g. in a finally). */
export interface InterruptWatch {
  readonly requested: boolean;
  /** The first signal that came, or null. */
  readonly signal: StopSignalName | null;
  dispose(): void;
}

/** watchInterrupts(args): register SIGINT and SIGTERM handlers until dispose(); see the file comment. */
export function watchInterrupts(args: WatchInterruptsArgs = {}): InterruptWatch {
  const log = args.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  let first: StopSignalName | null = null;
  const handlers = SIGNALS.map((name) => {
    const handler = (): void => {
      if (first !== null) {
        if (args.onSecond !== undefined) return args.onSecond(name);
        log(`\n${name} again: exiting now without saving`);
        process.exit(EXIT_CODE[first]);
      }
      first = name;
      log(`\n${name}: ${args.message ?? 'saving a checkpoint after this step (Ctrl-C again to quit now)'}`);
      args.onStop?.(name);
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    get requested() {
      return first !== null;
    },
    get signal() {
      return first;
    },
    dispose() {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

/** exitCodeOf(signal): 130 for SIGINT, 143 for SIGTERM. */
export function exitCodeOf(signal: StopSignalName): number {
  return EXIT_CODE[signal];
}

/** yieldToEventLoop(): let pending signals, timers and progress redraws run (one macrotask turn). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
