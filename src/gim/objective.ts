/**
 * LocalObjective: the loss head of a gradient-isolated module, a plug-in. The module's encoder stays; which loss trains
 * it — InfoNCE, Deep InfoMax, Predsim, CLAPP or a supervised classifier — is the head it carries. A head's parameters
 * (W_k, critics, classifiers) are the module's own: they train with it and take gradient only from its loss.
 */
import { Module } from '../nn/index.js';
import { mean, type Tensor } from '../tensor/index.js';

/** The local objectives a module may carry (`train.objective` in the configs). */
export const localObjectives = ['infonce', 'dim', 'predsim', 'clapp', 'supervised'] as const;
export type LocalObjectiveName = (typeof localObjectives)[number];

/** Objectives that read the batch's labels. */
export const labelledObjectives: readonly LocalObjectiveName[] = ['predsim', 'supervised'];

/** How a module's encoding is laid out: a map [B, C, H, W] (vision, any 2-D conv), or a sequence [B, T, C] (audio). */
export const encodingForms = ['grid', 'sequence'] as const;
export type EncodingForm = (typeof encodingForms)[number];

/** What a head is given: the encoding z, an optional context c (CPC's autoregressor; default z), and labels. */
export interface ObjectiveInputs {
  /** grid: [B, C, H, W]; sequence: [B, T, C]. */
  z: Tensor;
  /** Contexts for the predictive heads (InfoNCE, CLAPP): grid [B, D, H, W], sequence [B, T, D]; default z. */
  c?: Tensor;
  /** Labels [B] int64, for the supervised heads (Predsim, supervised). */
  targets?: Tensor;
}

export interface ObjectiveResult {
  loss: Tensor; // [] scalar
  /** Accuracy of the head's own task (positive ranked first, or label predicted), when it has one. */
  accuracy?: number;
}

export abstract class LocalObjective extends Module {
  /** Which objective this head computes. */
  abstract readonly objective: LocalObjectiveName;
  /** loss({ z, c, targets }) → this module's loss; gradient flows into z (and c), and into the head's parameters. */
  abstract loss(inputs: ObjectiveInputs): ObjectiveResult;
}

/** pooledEncoding(z, form) → [B, C]: a grid averaged over H and W, a sequence over T. */
export function pooledEncoding(z: Tensor, form: EncodingForm): Tensor {
  if (form === 'grid') {
    if (z.rank !== 4) throw new Error(`pooledEncoding: a grid encoding is [B, C, H, W], got [${z.shape.join(', ')}]`);
    return mean(z, [2, 3]); // [B, C]
  }
  if (z.rank !== 3) throw new Error(`pooledEncoding: a sequence encoding is [B, T, C], got [${z.shape.join(', ')}]`);
  return mean(z, 1); // [B, C]
}

/** requireLabels(fn, targets, batch) → targets, checked to be one label per example [B]. */
export function requireLabels(fn: string, targets: Tensor | undefined, batch: number): Tensor {
  if (targets === undefined) {
    throw new Error(`${fn}: no labels (pass the batch's labels as targets, e.g. trainStep's targets)`);
  }
  if (targets.rank !== 1 || targets.shape[0] !== batch) {
    throw new Error(`${fn}: expected ${batch} labels [B], got [${targets.shape.join(', ')}]`);
  }
  return targets;
}
