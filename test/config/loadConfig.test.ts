import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig, parseConfigText } from '../../lib/config/loadConfig.ts';
import { ConfigError } from '../../lib/errors.ts';
import { exampleConfigInput } from '../helpers/factories.ts';

describe('loadConfig', () => {
  it('accepts the shipped example and fills in the documented defaults', () => {
    // Act
    const config = loadConfigFile(new URL('../../autoscaler.config.example.json', import.meta.url).pathname);

    // Assess
    expect(config.github.apiUrl).toBe('https://api.github.com');
    expect(config.github.registrationMode).toBe('jit');
    expect(config.cluster.namespace).toBe('github-runners');
    expect(config.runnerClasses.map((runnerClass) => runnerClass.containerMode)).toEqual([
      'none',
      'dood',
      'dind',
    ]);
    expect(config.runnerClasses[0]?.maxJobDurationSeconds).toBe(3600);
    expect(config.runnerClasses[1]?.maxJobDurationSeconds).toBe(21_600);
    expect(config.runnerClasses[1]?.dockerSocketPath).toBe('/var/run/docker.sock');
    expect(config.reconciler).toMatchObject({ waitingJobRecheckMaxSeconds: 900, waitingJobMaxHours: 168 });
  });

  const broken: [string, (input: ReturnType<typeof exampleConfigInput>) => unknown, string][] = [
    [
      'a misspelt field',
      (input) => ({ ...input, runnerClasses: [{ ...input.runnerClasses[0], maxRunner: 5 }] }),
      'runnerClasses[0]: unknown field "maxRunner"; check the spelling',
    ],
    [
      'a missing app ID',
      (input) => ({ ...input, github: { ...input.github, appId: undefined } }),
      'github.appId: is required',
    ],
    [
      'a class name Kubernetes would refuse',
      (input) => ({ ...input, runnerClasses: [{ ...input.runnerClasses[0], name: 'Linux_Big' }] }),
      'runnerClasses[0].name: must be lowercase letters, digits and "-"',
    ],
    [
      'a class name too long for a pod name',
      (input) => ({ ...input, runnerClasses: [{ ...input.runnerClasses[0], name: 'a'.repeat(41) }] }),
      'runnerClasses[0].name: must be at most 40 characters',
    ],
    [
      'a zero maxRunners',
      (input) => ({ ...input, runnerClasses: [{ ...input.runnerClasses[0], maxRunners: 0 }] }),
      'runnerClasses[0].maxRunners',
    ],
    [
      'an unknown container mode',
      (input) => ({ ...input, runnerClasses: [{ ...input.runnerClasses[0], containerMode: 'docker' }] }),
      'runnerClasses[0].containerMode: must be one of "dood", "dind" or "none"',
    ],
    [
      'a memory request without a unit Kubernetes knows',
      (input) => ({
        ...input,
        runnerClasses: [{ ...input.runnerClasses[0], resources: { requests: { memory: '4GB' } } }],
      }),
      'runnerClasses[0].resources.requests.memory: must be a Kubernetes quantity',
    ],
    [
      'two classes with one name',
      (input) => ({ ...input, runnerClasses: [input.runnerClasses[0], input.runnerClasses[0]] }),
      'runnerClasses[1].name: "linux-small" is used by another class',
    ],
    [
      'an unknown registration mode',
      (input) => ({ ...input, github: { ...input.github, registrationMode: 'token' } }),
      'github.registrationMode: must be "jit" or "registration-token"',
    ],
    [
      'a repository allow-list entry without an owner',
      (input) => ({ ...input, github: { ...input.github, allowedRepositories: ['app'] } }),
      'github.allowedRepositories[0]: must be "owner/name"',
    ],
    [
      'a longer look-again gap for waiting jobs than SQS can delay a message',
      (input) => ({ ...input, reconciler: { waitingJobRecheckMaxSeconds: 901 } }),
      'reconciler.waitingJobRecheckMaxSeconds',
    ],
    [
      'no runner classes',
      (input) => ({ ...input, runnerClasses: [] }),
      'runnerClasses: needs at least one runner class',
    ],
    [
      'a malformed subnet in the VPC settings',
      (input) => ({
        ...input,
        cluster: {
          ...input.cluster,
          vpc: {
            vpcId: 'vpc-1',
            subnetIds: ['sub-1'],
            availabilityZones: ['eu-west-1a'],
            securityGroupId: 'sg-1',
          },
        },
      }),
      'cluster.vpc.subnetIds[0]: must be a subnet ID',
    ],
    [
      'subnets without the zone of each',
      (input) => ({
        ...input,
        cluster: {
          ...input.cluster,
          vpc: {
            vpcId: 'vpc-1',
            subnetIds: ['subnet-a', 'subnet-b'],
            availabilityZones: ['eu-west-1a'],
            securityGroupId: 'sg-1',
          },
        },
      }),
      'cluster.vpc.availabilityZones: must name one zone for each of subnetIds',
    ],
  ];

  it.each(broken)('rejects %s, naming the field', (_, breakIt, expected) => {
    // Prepare
    const input = breakIt(exampleConfigInput());

    // Act
    const attempt = () => parseConfig(input, 'autoscaler.config.json');

    // Assess
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(expected);
  });

  it('reports every problem at once', () => {
    // Prepare
    const input = exampleConfigInput();
    const twoMistakes = { ...input, cluster: { name: 'build cluster', namespace: 'Runners' } };

    // Act
    const attempt = () => parseConfig(twoMistakes);

    // Assess
    expect(attempt).toThrow(
      /cluster\.name: must be an EKS cluster name[\s\S]*cluster\.namespace: must be lowercase/,
    );
  });

  it('rejects text that is not JSON, saying so', () => {
    expect(() => parseConfigText('{ "github": ', 'cfg.json')).toThrow(/^cfg\.json is not valid JSON/);
  });

  it('tells how to create the file when it is missing', () => {
    // Prepare
    const missing = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'autoscaler.config.json');

    // Act / Assess
    expect(() => loadConfigFile(missing)).toThrow(/ENOENT.*copy autoscaler\.config\.example\.json/);
  });

  it('names the file in its errors', () => {
    // Prepare
    const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'mine.json');
    writeFileSync(file, JSON.stringify({ ...exampleConfigInput(), scaler: { batchSize: 0 } }));

    // Act / Assess
    expect(() => loadConfigFile(file)).toThrow(`${file} is invalid:\n  - scaler.batchSize`);
  });
});

describe('additional GitHub Apps', () => {
  it('refuses an App named twice, naming the field', () => {
    const input = exampleConfigInput();
    const github = {
      ...input.github,
      additionalApps: [
        { appId: 2, privateKeySecretArn: 'gh-key-2' },
        { appId: 123456, privateKeySecretArn: 'gh-key-again' },
      ],
    };
    expect(() => parseConfig({ ...input, github }, 'autoscaler.config.json')).toThrow(
      'github.additionalApps[1].appId: App 123456 is named twice',
    );
  });
});
