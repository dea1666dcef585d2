/** Where the modules train: parameters moved to the device, each batch copied there. */
import { cudaAvailable, to, type Device } from '../../tensor/index.js';
import type { GimModule } from '../module.js';
import type { TrainingTask } from './strategy.js';

/** onDevice(task, modules, device): `modules` moved to `device`, and the task with every batch copied there. */
export function onDevice(task: TrainingTask, modules: readonly GimModule[], device: Device): TrainingTask {
  if (device === 'cpu') return task;
  if (device.startsWith('cuda') && !cudaAvailable()) {
    throw new Error(
      `device ${device}: this libtorch build has no CUDA device (build against a CUDA libtorch with LIBTORCH=…)`,
    );
  }
  for (const m of modules) m.to(device);
  return {
    ...task,
    batch: async (step) => {
      const b = await task.batch(step);
      const x = to(b.x, { device });
      const targets = b.targets === undefined ? undefined : to(b.targets, { device });
      b.dispose();
      return {
        x,
        ...(targets === undefined ? {} : { targets }),
        dispose: () => [x, targets].forEach((t) => t?.dispose()),
      };
    },
  };
}
