/** The processes of the test cluster (the control plane, Karpenter): started, logged and stopped. */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const logTails = new Map<string, string>();

/**
 * Starts one component, its command line written to `dir`; the tail of its log is kept to explain a
 * failed start.
 */
export function spawnLogged(
  command: string,
  dir: string,
  name: string,
  args: string[],
  env?: Record<string, string>,
): ChildProcess {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(env && { env: { ...process.env, ...env } }),
  });
  const keep = (chunk: Buffer) =>
    logTails.set(name, ((logTails.get(name) ?? '') + chunk.toString()).slice(-3000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', (code, signal) => {
    // A process stopped on purpose has `killed` set; any other exit is worth a word.
    if (!child.killed)
      process.stderr.write(`control plane: ${name} exited (${code ?? signal}):\n${logTails.get(name)}\n`);
  });
  writeFileSync(join(dir, `${name}.cmd`), [command, ...args].join(' '));
  return child;
}

/** Writes the last output of the named components (all, unless told) to stderr. */
export function reportLastOutput(names: readonly string[] = [...logTails.keys()]): void {
  for (const name of names)
    process.stderr.write(`control plane: last output of ${name}:\n${logTails.get(name) ?? ''}\n`);
}

/** Stops processes in the reverse order of their start, each before the next. */
export async function stopProcesses(processes: readonly ChildProcess[]): Promise<void> {
  for (const child of [...processes].reverse()) {
    const exited = child.exitCode !== null || child.signalCode !== null;
    child.kill('SIGTERM');
    if (!exited) await new Promise((resolve) => child.once('exit', resolve));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
