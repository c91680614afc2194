import type { RunnerClass } from './autoscalerConfig.ts';
import { compareQuantities } from './kubernetesQuantity.ts';

/** A label by which a job asks for its size, in a class with `sizing`: `cpu=…` or `memory=…`. */
const SIZE_LABEL = /^(cpu|memory)=(.*)$/i;
/** `cpu=4`, `cpu=1.5` or `cpu=500m`. */
const CPU_VALUE = /^([0-9]+(?:\.[0-9]{1,3})?|[0-9]+m)$/;
/** `memory=16Gi` or `memory=512Mi`, in any case: GitHub's labels are case-insensitive. */
const MEMORY_VALUE = /^([0-9]+)(mi|gi)$/i;

export function isSizeLabel(label: string): boolean {
  return SIZE_LABEL.test(label);
}

/** What a job's labels ask for, as Kubernetes quantities, with its CPU in millicores and memory in MiB. */
interface AskedSize {
  cpu?: { quantity: string; milli: number };
  memory?: { quantity: string; mebibytes: number };
}

/** The runner a sized job gets: its class, with the job's resources and exactly the job's labels. */
export type SizedRunner = { runnerClass: RunnerClass } | { refused: string };

/**
 * The runner class a job's size labels make of its class: requests as asked, limits that multiple
 * of them the class sets, labels exactly the job's, so that a job asking another size cannot take
 * the runner. A job without size labels gets its class as it is; one asking what the class does not
 * allow (above its maximum, not among its values, or not a size at all) is refused, with the reason.
 */
export function sizedRunnerClass(runnerClass: RunnerClass, jobLabels: readonly string[]): SizedRunner {
  const sizeLabels = jobLabels.filter(isSizeLabel);
  if (sizeLabels.length === 0) return { runnerClass };
  const { sizing } = runnerClass;
  if (!sizing) return { refused: `class ${runnerClass.name} does not size runners by label` };
  const asked = askedSize(sizeLabels);
  if ('refused' in asked) return asked;
  const refusal =
    refusedQuantity('cpu', asked.cpu?.quantity, sizing.maxCpu, sizing.cpuValues) ??
    refusedQuantity('memory', asked.memory?.quantity, sizing.maxMemory, sizing.memoryValues);
  if (refusal) return { refused: `class ${runnerClass.name} allows no ${refusal}` };

  const ratio = sizing.limitsToRequests;
  const requests = { ...runnerClass.resources.requests };
  const limits = { ...runnerClass.resources.limits };
  if (asked.cpu) {
    requests.cpu = asked.cpu.quantity;
    limits.cpu = ratio === 1 ? asked.cpu.quantity : `${Math.round(asked.cpu.milli * ratio)}m`;
  }
  if (asked.memory) {
    requests.memory = asked.memory.quantity;
    limits.memory = ratio === 1 ? asked.memory.quantity : `${Math.round(asked.memory.mebibytes * ratio)}Mi`;
  }
  return {
    runnerClass: {
      ...runnerClass,
      labels: jobLabels.filter((label) => label.toLowerCase() !== 'self-hosted'),
      resources: { requests, limits },
    },
  };
}

function askedSize(sizeLabels: readonly string[]): AskedSize | { refused: string } {
  const asked: AskedSize = {};
  for (const label of sizeLabels) {
    const [, resource = '', value = ''] = SIZE_LABEL.exec(label) ?? [];
    const kind = resource.toLowerCase() as 'cpu' | 'memory';
    if (asked[kind]) return { refused: `the job asks for its ${kind} twice` };
    if (kind === 'cpu') {
      if (!CPU_VALUE.test(value))
        return { refused: `"${label}" is not a CPU size such as cpu=4 or cpu=500m` };
      const milli = value.endsWith('m') ? Number(value.slice(0, -1)) : Math.round(Number(value) * 1000);
      asked.cpu = { quantity: value, milli };
    } else {
      const [, amount = '', unit = ''] = MEMORY_VALUE.exec(value) ?? [];
      if (!amount) return { refused: `"${label}" is not a memory size such as memory=16Gi or memory=512Mi` };
      const gibibytes = unit.toLowerCase() === 'gi';
      asked.memory = {
        quantity: `${amount}${gibibytes ? 'Gi' : 'Mi'}`,
        mebibytes: Number(amount) * (gibibytes ? 1024 : 1),
      };
    }
  }
  return asked;
}

function refusedQuantity(
  resource: string,
  asked: string | undefined,
  max: string,
  values: readonly string[] | undefined,
): string | undefined {
  if (asked === undefined) return undefined;
  if (compareQuantities(asked, '0') <= 0) return `${resource} of ${asked}`;
  if (compareQuantities(asked, max) > 0) return `${resource} of ${asked}: at most ${max}`;
  if (values && !values.some((value) => compareQuantities(value, asked) === 0))
    return `${resource} of ${asked}: one of ${values.join(', ')}`;
  return undefined;
}
