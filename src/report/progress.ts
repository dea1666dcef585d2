/** Progress of a training run: one bar per module (on a terminal), or a log line every few steps (elsewhere). */
import cliProgress from 'cli-progress';

export interface ModuleProgress {
  module: number;
  loss: number;
  accuracy?: number;
}

export class TrainingProgress {
  readonly #multi: cliProgress.MultiBar | null;
  readonly #bars: cliProgress.SingleBar[] = [];
  readonly #last: (ModuleProgress | undefined)[];

  constructor(
    readonly moduleNames: string[],
    readonly total: number,
    readonly logEvery: number,
    interactive = process.stderr.isTTY === true,
  ) {
    this.#last = moduleNames.map(() => undefined);
    this.#multi = interactive
      ? new cliProgress.MultiBar(
          {
            format: ' {name} |{bar}| {value}/{total} loss {loss} acc {acc}',
            hideCursor: true,
            clearOnComplete: false,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
    if (this.#multi !== null) {
      for (const name of moduleNames)
        this.#bars.push(this.#multi.create(total, 0, { name: name.padEnd(10), loss: '—', acc: '—' }));
    }
  }

  /** A module finished a step. */
  update(step: number, m: ModuleProgress): void {
    this.#last[m.module] = m;
    this.#bars[m.module]?.update(step + 1, {
      loss: m.loss.toFixed(4),
      acc: m.accuracy === undefined ? '—' : m.accuracy.toFixed(3),
    });
  }

  /** A whole step finished (logs a line when not interactive). */
  stepDone(step: number): void {
    if (this.#multi !== null || ((step + 1) % this.logEvery !== 0 && step + 1 !== this.total)) return;
    const parts = this.#last
      .map((m, i) => (m === undefined ? null : `${this.moduleNames[i]} ${m.loss.toFixed(4)}`))
      .filter((p) => p !== null);
    process.stderr.write(`step ${step + 1}/${this.total}: ${parts.join(' | ')}\n`);
  }

  stop(): void {
    this.#multi?.stop();
  }
}
