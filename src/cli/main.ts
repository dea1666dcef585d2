/** `gim`: the command line of greedy-infomax (data, train, eval, reproduce, demo, config, report, bench). */
import { addBenchCommand } from './bench.js';
import { buildProgram } from './program.js';

/** Set to 1 to print an error's stack trace as well as its message. */
const DEBUG_ENV = 'GIM_DEBUG';

// A closed output pipe (`gim train 2>&1 | head`) must not kill a run before it saves: further output is dropped.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

const program = buildProgram();
addBenchCommand(program);
program.parseAsync().catch((e: unknown) => {
  const debug = process.env[DEBUG_ENV] === '1';
  const text = e instanceof Error ? (debug ? (e.stack ?? e.message) : e.message) : String(e);
  console.error(`gim: ${text}`);
  process.exitCode = 1;
});
