import type {Spinner} from './spinner.js'

/** Progress events of a cluster/deploy plan (structurally the same as services' PlanEvent). */
export type PlanProgressEvent =
  | {type: 'step'; title: string}
  | {type: 'step-done'; title: string; skipped: boolean; note?: string}
  | {type: 'output'; line: string; stream: 'stdout' | 'stderr'}

/**
 * Shows plan progress: a spinner per step; with `verbose`, the tools' own output lines on stderr.
 * Returns the handler and `failed()` to mark the current step as failed.
 */
export function planProgress(spinner: Spinner, verbose: boolean, err: (t: string) => void): {onEvent: (e: PlanProgressEvent) => void; failed: () => void} {
  let current: string | undefined
  return {
    onEvent(e) {
      if (e.type === 'step') {
        current = e.title
        spinner.start(e.title)
      } else if (e.type === 'step-done') {
        spinner.succeed(e.skipped ? `${e.title}: ${e.note ?? 'already done'}` : e.title)
        current = undefined
      } else if (verbose) {
        spinner.stop()
        err(`  ${e.line}`)
        if (current) spinner.start(current)
      }
    },
    failed() {
      if (current) spinner.fail(current)
      current = undefined
    },
  }
}
