// Quitting waits for the engine to stop every service, so nothing is left orphaned:
// the first quit stops the engine and holds the quit; once it stopped, the quit proceeds.
// Further quits meanwhile just wait for the same stop.
export type QuitPhase = 'running' | 'stoppingEngine' | 'engineStopped';

export type QuitDecision =
  /** Let this quit happen. */
  | 'proceed'
  /** Hold this quit, stop the engine, and quit again once it stopped. */
  | 'holdAndStopEngine'
  /** Hold this quit; the stop already under way quits when it is done. */
  | 'hold';

export function decideQuit(phase: QuitPhase): QuitDecision {
  if (phase === 'engineStopped') return 'proceed';
  return phase === 'running' ? 'holdAndStopEngine' : 'hold';
}
