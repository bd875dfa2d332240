// Noticing that the process that started us went away. `npx locald up` runs locald under
// npm, which does not forward SIGTERM: npm dies and locald lives on, re-parented (to init or
// a subreaper), with its services. Polling getppid() is the portable way to notice.

const DEFAULT_INTERVAL_MS = 750;

/** Whether a ppid reading says the original parent is gone. */
export function parentChanged(originalPpid: number, currentPpid: number): boolean {
  return currentPpid !== originalPpid;
}

/**
 * Calls `onGone` once when process.ppid changes. The timer is unref'd (it never keeps the
 * process alive). Returns a function that stops watching.
 */
export function watchParent(onGone: () => void, intervalMs = DEFAULT_INTERVAL_MS): () => void {
  const original = process.ppid;
  const timer = setInterval(() => {
    if (!parentChanged(original, process.ppid)) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
