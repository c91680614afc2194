/**
 * Writes a progress line to stderr every few seconds until stopped, so a long run shows how far it
 * got. The timer never keeps the process alive on its own.
 */
export function reportProgress(line: () => string, everyMs = 3000): () => void {
  const timer = setInterval(() => process.stderr.write(`${line()}\n`), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
