/**
 * `gim launch`: start the local ranks of a distributed run in torchrun's conventions. Each of the --nproc-per-node
 * children is this same CLI running the command after `--`, with RANK = node rank × nproc + local rank, WORLD_SIZE =
 * nnodes × nproc, LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK (the node rank), MASTER_ADDR and MASTER_PORT in its
 * environment — the variables a scheduler (SLURM, Kubernetes) can set itself to start the same run without launch.
 * The children are supervised together (src/util/supervise.ts): one failing stops the others.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeEnd, superviseChildren, type ChildSpec, type SuperviseResult } from '../util/supervise.js';
import { exitCodeOf } from '../util/interrupt.js';

/** The gim command's script: bin/gim.js beside src/ (or dist/). */
export const GIM_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/gim.js');

export const DEFAULT_MASTER_ADDR = '127.0.0.1';
export const DEFAULT_MASTER_PORT = 29500;
/** Seconds between SIGTERM and SIGKILL when the ranks are stopped (a rank saves its checkpoint in between). */
export const DEFAULT_GRACE_SECONDS = 30;

/** The options of `gim launch` as typed on the command line (strings; launchPlan validates them). */
export interface LaunchOptions {
  nprocPerNode: string;
  nnodes?: string;
  nodeRank?: string;
  masterAddr?: string;
  masterPort?: string;
  grace?: string;
  /** Test hook (hidden): run `node <script> <command…>` in each rank instead of the gim CLI. */
  script?: string;
}

/** A validated launch: what every local rank runs, and where. */
export interface LaunchPlan {
  nprocPerNode: number;
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
  graceMs: number;
  /** The command each rank runs: node and its arguments. */
  command: string;
  args: string[];
}

/** An integer option within [min, max], or an error naming the flag. */
function integerOption(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw new Error(`launch: ${flag} must be ${range}, got '${raw}'`);
  }
  return value;
}

/**
 * The command after `--` in launch's own arguments (`afterLaunch`: everything that followed the word launch), with
 * the operands commander collected (`operands`) used to find stray arguments before `--`.
 */
export function childCommand(afterLaunch: readonly string[], operands: readonly string[]): string[] {
  const dash = afterLaunch.indexOf('--');
  if (dash < 0) {
    throw new Error(
      'launch: put -- before the command each rank runs, e.g. gim launch --nproc-per-node 2 -- train --preset audio-tiny --mode distributed',
    );
  }
  const command = afterLaunch.slice(dash + 1);
  const strays = operands.slice(0, operands.length - command.length).filter((a) => a !== '--');
  if (strays.length > 0) throw new Error(`launch: unknown option or argument before --: ${strays.join(' ')}`);
  if (command.length === 0) throw new Error('launch: no command after --, e.g. -- train --preset audio-tiny');
  return command;
}

/** launchPlan(options, command): validate the options (errors name the flag) and build each rank's command line. */
export function launchPlan(options: LaunchOptions, command: readonly string[]): LaunchPlan {
  const nprocPerNode = integerOption('--nproc-per-node', options.nprocPerNode, 1);
  const nnodes = integerOption('--nnodes', options.nnodes ?? '1', 1);
  const nodeRank = integerOption('--node-rank', options.nodeRank ?? '0', 0);
  if (nodeRank >= nnodes) {
    throw new Error(`launch: --node-rank must be below --nnodes (${nnodes}), got ${nodeRank}`);
  }
  if (nnodes > 1 && options.masterAddr === undefined) {
    throw new Error(`launch: --nnodes ${nnodes} needs --master-addr: the address of node 0 that every node can reach`);
  }
  const masterAddr = options.masterAddr ?? DEFAULT_MASTER_ADDR;
  if (masterAddr.trim() === '') throw new Error('launch: --master-addr is empty');
  const masterPort = integerOption('--master-port', options.masterPort ?? String(DEFAULT_MASTER_PORT), 1, 65535);
  const graceSeconds = Number(options.grace ?? DEFAULT_GRACE_SECONDS);
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0) {
    throw new Error(`launch: --grace must be a number of seconds ≥ 0, got '${options.grace}'`);
  }
  if (command[0] === 'launch') throw new Error('launch: the command after -- cannot be launch itself');
  const script = options.script ?? GIM_BIN;
  return {
    nprocPerNode,
    nnodes,
    nodeRank,
    masterAddr,
    masterPort,
    graceMs: Math.round(graceSeconds * 1000),
    command: process.execPath,
    args: [script, ...command],
  };
}

/** The environment of local rank `localRank` under `plan`, on top of `base`. */
export function rankEnvironment(plan: LaunchPlan, localRank: number, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...base,
    RANK: String(plan.nodeRank * plan.nprocPerNode + localRank),
    WORLD_SIZE: String(plan.nnodes * plan.nprocPerNode),
    LOCAL_RANK: String(localRank),
    LOCAL_WORLD_SIZE: String(plan.nprocPerNode),
    GROUP_RANK: String(plan.nodeRank),
    MASTER_ADDR: plan.masterAddr,
    MASTER_PORT: String(plan.masterPort),
  };
}

/** The children of `plan` on this node, labelled by their global rank. */
export function rankChildren(plan: LaunchPlan, base: NodeJS.ProcessEnv = process.env): ChildSpec[] {
  return Array.from({ length: plan.nprocPerNode }, (_, localRank) => {
    const env = rankEnvironment(plan, localRank, base);
    return { label: `rank ${env.RANK}`, command: plan.command, args: plan.args, env };
  });
}

/** The exit code of launch for how its ranks ended, with the line that says why (null when all finished). */
export function launchOutcome(result: SuperviseResult): { code: number; message: string | null } {
  if (result.interrupted !== null) {
    return { code: exitCodeOf(result.interrupted), message: `stopped by ${result.interrupted}` };
  }
  if (result.failure !== null) {
    const f = result.failure;
    const what = f.error !== undefined ? `could not start: ${f.error.message}` : describeEnd(f.end);
    const others = result.ends.length - 1;
    const stopped = others === 0 ? '' : `; the other ${others} rank(s) were stopped`;
    const killed = result.killed.length === 0 ? '' : ` (${result.killed.length} by SIGKILL)`;
    return { code: 1, message: `${f.label} ${what}${stopped}${killed}` };
  }
  return { code: 0, message: null };
}

/** `gim launch`: start and supervise the local ranks; returns launch's exit code. */
export async function launchCommand(options: LaunchOptions, command: readonly string[]): Promise<number> {
  const plan = launchPlan(options, command);
  const first = plan.nodeRank * plan.nprocPerNode;
  process.stderr.write(
    `[launch] ranks ${first}..${first + plan.nprocPerNode - 1} of ${plan.nnodes * plan.nprocPerNode}, ` +
      `master ${plan.masterAddr}:${plan.masterPort}: ${command.join(' ')}\n`,
  );
  const result = await superviseChildren({ children: rankChildren(plan), graceMs: plan.graceMs });
  const outcome = launchOutcome(result);
  if (outcome.message !== null) process.stderr.write(`gim launch: ${outcome.message}\n`);
  return outcome.code;
}
