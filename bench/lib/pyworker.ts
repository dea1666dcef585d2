/** A Python child process answering one JSON request per line (bench/engine.py --serve), one request at a time. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';

export class PyWorker {
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #lines: Interface;
  readonly #pending: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  #exited: Error | null = null;

  constructor(python: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.#proc = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.#proc.stderr.pipe(process.stderr);
    this.#lines = createInterface({ input: this.#proc.stdout });
    this.#lines.on('line', (line) => this.#pending.shift()?.resolve(line));
    const fail = (e: Error): void => {
      this.#exited = e;
      for (const p of this.#pending.splice(0)) p.reject(e);
    };
    this.#proc.on('error', fail);
    this.#proc.on('exit', (code, signal) => fail(new Error(`${python} ${args.join(' ')} exited (${signal ?? code})`)));
  }

  /** Send one request and wait for its reply (the child is idle, blocked on stdin, between requests). */
  request<T>(req: object): Promise<T> {
    if (this.#exited !== null) return Promise.reject(this.#exited);
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ resolve: (line) => resolve(JSON.parse(line) as T), reject });
      this.#proc.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  /** Ask the child to quit and wait for it to exit. */
  async close(): Promise<void> {
    if (this.#exited !== null) return;
    const done = new Promise<void>((resolve) => this.#proc.once('exit', () => resolve()));
    this.#proc.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n');
    await done;
  }
}
