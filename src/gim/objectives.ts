/** localObjective(name, args): the loss head a config or a user picks by name, sized for one module's encoding. */
import { oneOf, positiveInteger } from '../util/check.js';
import { SupervisedObjective } from './classifier.js';
import { CLAPPHead } from './clapp.js';
import { DeepInfoMax, type DeepInfoMaxArgs } from './dim.js';
import { InfoNCEHead } from './head.js';
import {
  encodingForms,
  localObjectives,
  type EncodingForm,
  type LocalObjective,
  type LocalObjectiveName,
} from './objective.js';
import { Predsim } from './predsim.js';

export interface LocalObjectiveArgs {
  form: EncodingForm;
  /** C: channels of the encoding z. */
  channels: number;
  /** D: channels of the contexts c (InfoNCE, CLAPP; default C: c = z). */
  contextChannels?: number;
  /** K: prediction steps of InfoNCE and CLAPP (default 1). */
  predictionSteps?: number;
  /** N: InfoNCE's negatives per positive (default 16; CLAPP always has one). */
  negativeSamples?: number;
  /** InfoNCE and CLAPP: step k predicts k + skip ahead (default 0). */
  skip?: number;
  /** InfoNCE and CLAPP, sequences: predicting positions in a random window of this many steps (default all). */
  window?: number | null;
  /** Predsim and supervised: the number of classes. */
  classes?: number;
  /** Deep InfoMax's options (default: JSD, local and global terms weighted 1 and 0.5). */
  dim?: Partial<Omit<DeepInfoMaxArgs, 'channels'>>;
  /** Predsim's β (default 0.99). */
  beta?: number;
}

/** Deep InfoMax's defaults here: the JSD estimator, local weight β = 1, global weight α = 0.5. */
export const DIM_OBJECTIVE_DEFAULTS = { estimator: 'jsd', localWeight: 1, globalWeight: 0.5 } as const;

export function localObjective(name: LocalObjectiveName, args: LocalObjectiveArgs): LocalObjective {
  const fn = 'localObjective';
  oneOf(fn, 'name', name, localObjectives);
  oneOf(fn, 'form', args.form, encodingForms);
  positiveInteger(fn, 'channels', args.channels);
  const predictive = {
    form: args.form,
    encodingSize: args.channels,
    contextSize: args.contextChannels ?? args.channels,
    predictionSteps: args.predictionSteps ?? 1,
    skip: args.skip ?? 0,
    window: args.window ?? null,
  };
  const classes = (): number => positiveInteger(fn, `classes (objective '${name}')`, args.classes);
  switch (name) {
    case 'infonce':
      return new InfoNCEHead({ ...predictive, negativeSamples: args.negativeSamples ?? 16 });
    case 'clapp':
      return new CLAPPHead(predictive);
    case 'dim':
      if (args.form !== 'grid') throw new Error(`${fn}: objective 'dim' reads a grid encoding [B, C, H, W]`);
      return new DeepInfoMax({ ...DIM_OBJECTIVE_DEFAULTS, ...args.dim, channels: args.channels });
    case 'predsim':
      return new Predsim({ channels: args.channels, classes: classes(), form: args.form, beta: args.beta });
    case 'supervised':
      return new SupervisedObjective({ channels: args.channels, classes: classes(), form: args.form });
  }
}
