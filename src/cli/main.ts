/** `gim`: the command line of greedy-infomax (data, train, eval, reproduce, bench). */
import { addBenchCommand } from './bench.js';
import { buildProgram } from './program.js';

const program = buildProgram();
addBenchCommand(program);
program.parseAsync().catch((e: unknown) => {
  console.error(`gim: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
