import { describe, expect, inject, it } from 'vitest';
import { AutoscalerError } from '../../lib/errors.ts';
import { buildRunnerPod } from '../../lib/pod/buildRunnerPod.ts';
import { buildRunnerSecret } from '../../lib/pod/buildRunnerSecret.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { coreApi, scalerCluster, uniqueJobId } from './clusterClients.ts';

const runnerClass = {
  ...(testConfig().runnerClasses[0] as NonNullable<ReturnType<typeof testConfig>['runnerClasses'][0]>),
  name: 'adapter',
};
const newPod = () =>
  buildRunnerPod(jobMessage({ jobId: uniqueJobId(), runnerClass: 'adapter' }), runnerClass, {
    namespace: inject('controlPlane').namespace,
    registrationMode: 'jit',
    registrationUrl: '',
  });

describe('KubernetesRunnerCluster on a real kube-apiserver', () => {
  it('reports a second create of the same pod as existing (the API server answers 409)', async () => {
    const cluster = scalerCluster();
    const pod = newPod();
    expect(await cluster.createPod(pod)).toHaveProperty('created');
    expect(await cluster.createPod(pod)).toEqual({ exists: true });
  });

  it('gives places up to maxRunners, counting live pods, and frees the place of a deleted pod', async () => {
    // Prepare
    const cluster = scalerCluster();
    const pod = newPod();
    const name = pod.metadata?.name ?? '';
    const creation = await cluster.createPod(pod);
    if (!('created' in creation)) throw new Error('expected a new pod');
    const liveBefore = (
      await coreApi('admin').listNamespacedPod({
        namespace: inject('controlPlane').namespace,
        labelSelector: 'eks-runner-autoscaler.io/class=adapter',
      })
    ).items.length;

    // Act / Assess: the existing pod keeps its place, one more fits, the next does not.
    expect(await cluster.reservePlaces('adapter', [name, 'adapter-a', 'adapter-b'], liveBefore + 1)).toEqual(
      new Set([name, 'adapter-a']),
    );
    expect(await cluster.deletePod(creation.created)).toBe(true);
    expect(await cluster.reservePlaces('adapter', ['adapter-b'], liveBefore + 1)).toEqual(
      new Set(['adapter-b']),
    );
  });

  it('deletes a pod as seen only while nothing changed it since', async () => {
    // Prepare: the pod is seen, then changed (as a kill or an in_progress would).
    const cluster = scalerCluster();
    const creation = await cluster.createPod(newPod());
    if (!('created' in creation)) throw new Error('expected a new pod');
    const seen = creation.created;
    const changed = await cluster.annotatePod(seen, { 'test.eks-runner-autoscaler.io/changed': 'true' });

    // Act
    const onOldSight = await cluster.deletePod(seen, { unchangedSince: seen.resourceVersion });
    const onNewSight = await cluster.deletePod(seen, { unchangedSince: changed?.resourceVersion });

    // Assess
    expect([onOldSight, onNewSight]).toEqual([false, true]);
    expect(changed?.resourceVersion).not.toBe(seen.resourceVersion);
  });

  it('deletes only the pod with the expected UID, and treats a missing pod as already gone', async () => {
    // Prepare
    const cluster = scalerCluster();
    const pod = newPod();
    const name = pod.metadata?.name ?? '';
    const creation = await cluster.createPod(pod);
    if (!('created' in creation)) throw new Error('expected a new pod');

    // Act / Assess
    expect(await cluster.deletePod({ name, uid: 'not-its-uid' })).toBe(false);
    expect(await cluster.readPod(name)).toBeDefined();
    expect(await cluster.deletePod(creation.created)).toBe(true);
    expect(await cluster.deletePod(creation.created)).toBe(false);
    expect(await cluster.readPod(name)).toBeUndefined();
    expect(await cluster.releasePod(creation.created, {})).toBe(false);
    expect(await cluster.annotatePod(creation.created, { a: 'b' })).toBeUndefined();
  });

  it('leaves a pod made anew under the same name, and its Secret, alone when acting on the first', async () => {
    // Prepare: the first pod of the name is gone; a second, with a Secret of its own, took the name.
    const cluster = scalerCluster();
    const namespace = inject('controlPlane').namespace;
    const pod = newPod();
    const name = pod.metadata?.name ?? '';
    const first = await cluster.createPod(pod);
    if (!('created' in first)) throw new Error('expected a new pod');
    await cluster.deletePod(first.created);
    await expect.poll(() => cluster.readPod(name), { timeout: 15_000, interval: 100 }).toBeUndefined();
    const second = await cluster.createPod(pod);
    if (!('created' in second)) throw new Error('expected a new pod');
    await cluster.createSecret(
      buildRunnerSecret(
        { name, uid: second.created.uid, namespace, runnerClassName: 'adapter' },
        { kind: 'registration-token', token: 'second' },
      ),
    );

    // Act
    const annotated = await cluster.annotatePod(first.created, { a: 'first' });
    const released = await cluster.releasePod(first.created, { a: 'first' });
    const deleted = await cluster.deletePod(first.created);
    await cluster.deleteRunnerSecret(first.created);

    // Assess
    expect([annotated, released, deleted]).toEqual([undefined, false, false]);
    const stored = await cluster.readPod(name);
    expect(stored).toMatchObject({ uid: second.created.uid, gated: true });
    expect(stored?.annotations.a).toBeUndefined();
    expect(await cluster.readSecret(`${name}-runner`)).toBeDefined();

    // Act / Assess: the second pod itself is acted on, and an annotation can be removed again.
    expect((await cluster.annotatePod(second.created, { a: 'second' }))?.annotations.a).toBe('second');
    expect((await cluster.annotatePod(second.created, { a: null }))?.annotations.a).toBeUndefined();
    await cluster.deleteRunnerSecret(second.created);
    expect(await cluster.readSecret(`${name}-runner`)).toBeUndefined();
  });

  it('is refused outside its namespace, with a clear error that is not retried', async () => {
    // Prepare
    const elsewhere = scalerCluster('elsewhere');

    // Act
    const error = await elsewhere.createPod(newPod()).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(AutoscalerError);
    expect(error).toMatchObject({ retryable: false });
    expect((error as Error).message).toMatch(
      /Kubernetes create pod adapter-\d+ failed \(403\): pods is forbidden: User "eks-runner-autoscaler-scaler" cannot create resource "pods"/,
    );
  });

  it('is refused cluster-wide reads, such as listing nodes', async () => {
    await expect(coreApi('scaler').listNode()).rejects.toMatchObject({ code: 403 });
  });

  it('refuses a pod spec the API server rejects, without retrying', async () => {
    // Prepare
    const pod = newPod();
    const invalid = {
      ...pod,
      spec: { ...pod.spec, containers: [{ ...pod.spec?.containers[0], name: 'Not_A_Name' }] },
    };

    // Act
    const error = await scalerCluster()
      .createPod(invalid as typeof pod)
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ retryable: false, message: expect.stringContaining('(422)') });
  });
});

describe('KubernetesRunnerCluster Secrets on a real kube-apiserver', () => {
  it('replaces a Secret left over from an earlier pod of the same name', async () => {
    // Prepare: the leftover still has a live owner, so the garbage collector leaves it be.
    const cluster = scalerCluster();
    const namespace = inject('controlPlane').namespace;
    const [earlier, current] = [newPod(), newPod()];
    const owners = await Promise.all(
      [earlier, current].map(async (pod) => {
        const creation = await cluster.createPod(pod);
        if (!('created' in creation)) throw new Error('expected a new pod');
        return creation.created.uid;
      }),
    );
    const name = current.metadata?.name ?? '';
    const secretOwnedBy = (uid: string, config: string) =>
      buildRunnerSecret(
        { name, uid, namespace, runnerClassName: 'adapter' },
        { kind: 'jit', runnerId: 1, encodedJitConfig: config },
      );
    await cluster.createSecret(secretOwnedBy(owners[0] ?? '', 'used-up'));

    // Act
    await cluster.createSecret(secretOwnedBy(owners[1] ?? '', 'fresh'));

    // Assess
    const stored = await coreApi('admin').readNamespacedSecret({ name: `${name}-runner`, namespace });
    expect(Buffer.from(stored.data?.['jit-config'] ?? '', 'base64').toString()).toBe('fresh');
    expect(stored.metadata?.ownerReferences?.[0]?.uid).toBe(owners[1]);
  });

  it('removes a Secret with its pod, through the garbage collector', async () => {
    // Prepare
    const cluster = scalerCluster();
    const namespace = inject('controlPlane').namespace;
    const pod = newPod();
    const name = pod.metadata?.name ?? '';
    const creation = await cluster.createPod(pod);
    if (!('created' in creation)) throw new Error('expected a new pod');
    await cluster.createSecret(
      buildRunnerSecret(
        { name, uid: creation.created.uid, namespace, runnerClassName: 'adapter' },
        { kind: 'registration-token', token: 't' },
      ),
    );

    // Act
    await cluster.deletePod(creation.created);

    // Assess
    await expect
      .poll(() => cluster.readSecret(`${name}-runner`), { timeout: 15_000, interval: 200 })
      .toBeUndefined();
  });
});
