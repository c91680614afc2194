import type { GitHubSettings } from '../config/autoscalerConfig.ts';
import type { EnvVar, Volume, VolumeMount } from './podManifest.ts';

/** Keys of the runner Secret. */
export const SECRET_KEY = { jitConfig: 'jit-config', registrationToken: 'registration-token' } as const;

const RUNNER_SECRET_DIR = '/var/run/eks-runner-autoscaler/runner-secret';
const TOKEN_HAND_OVER_DIR = '/var/run/eks-runner-autoscaler/registration';
const TOKEN_FILE = `${TOKEN_HAND_OVER_DIR}/token`;

/** How a runner pod takes its registration from the runner Secret. */
export interface RunnerPodRegistration {
  runnerCommand: string[];
  runnerEnv: EnvVar[];
  runnerMounts: VolumeMount[];
  /** Shell steps the prepare-runner-root init container runs, as root, after it prepared the root. */
  prepareSteps: string[];
  prepareMounts: VolumeMount[];
  volumes: Volume[];
}

export function runnerPodRegistration(
  secretName: string,
  mode: GitHubSettings['registrationMode'],
  runner: { registrationUrl: string; labels: readonly string[] },
): RunnerPodRegistration {
  // The runner takes a JIT config only from its environment or its command line, so it stays readable
  // in /proc of the runner's processes, to a job too. That gives a job nothing it has not got already:
  // the runner writes the config out as its own credential files in its root, and a job runs as the
  // runner's user. A JIT config registers this one runner only.
  if (mode === 'jit')
    return {
      runnerCommand: ['./run.sh'],
      runnerEnv: [
        {
          name: 'ACTIONS_RUNNER_INPUT_JITCONFIG',
          valueFrom: { secretKeyRef: { name: secretName, key: SECRET_KEY.jitConfig } },
        },
      ],
      runnerMounts: [],
      prepareSteps: [],
      prepareMounts: [],
      volumes: [],
    };
  // A registration token registers any number of runners for an hour, and a job runs as the runner's
  // user, so the job must find it nowhere. Only the init container mounts the Secret; it leaves the
  // token in a file in memory, which the runner reads into an unexported shell variable and deletes
  // before config.sh. run.sh is exec'd after config.sh has exited: neither its environment (which is
  // /proc/1/environ), nor its command line, nor any file holds the token by then.
  return {
    runnerCommand: [
      'sh',
      '-c',
      `registration_token=$(cat ${TOKEN_FILE}) && rm ${TOKEN_FILE} && ` +
        './config.sh --unattended --ephemeral --disableupdate --replace --work _work ' +
        '--url "$RUNNER_URL" --token "$registration_token" --name "$RUNNER_NAME" --labels "$RUNNER_LABELS" ' +
        '&& exec ./run.sh',
    ],
    runnerEnv: [
      { name: 'RUNNER_URL', value: runner.registrationUrl },
      { name: 'RUNNER_LABELS', value: runner.labels.join(',') },
    ],
    runnerMounts: [{ name: 'registration-token', mountPath: TOKEN_HAND_OVER_DIR }],
    prepareSteps: [
      `cp ${RUNNER_SECRET_DIR}/${SECRET_KEY.registrationToken} ${TOKEN_FILE}`,
      `chown "$RUNNER_UID" ${TOKEN_FILE}`,
    ],
    prepareMounts: [
      { name: 'runner-secret', mountPath: RUNNER_SECRET_DIR, readOnly: true },
      { name: 'registration-token', mountPath: TOKEN_HAND_OVER_DIR },
    ],
    volumes: [
      {
        name: 'runner-secret',
        secret: {
          secretName,
          items: [{ key: SECRET_KEY.registrationToken, path: SECRET_KEY.registrationToken }],
          defaultMode: 0o400,
        },
      },
      // In memory, so that the token never reaches the node's disk.
      { name: 'registration-token', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
    ],
  };
}
