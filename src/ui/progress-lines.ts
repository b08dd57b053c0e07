/**
 * Several progress lines at once (one per image of `kfp build`): redrawn in place with a spinner on a terminal,
 * printed as plain lines otherwise (only when a line's text changes state, never per percent).
 */
export interface ProgressLines {
  /** Sets the text of line `key` (created on first use). `state` decides the symbol: running shows the spinner. */
  set(key: string, text: string, state?: 'running' | 'ok' | 'fail' | 'skip'): void
  /** Prints a line above the progress block (e.g. a build log line). */
  log(text: string): void
  /** Stops redrawing; leaves the final lines on screen. */
  stop(): void
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const SYMBOL = {ok: '✔', fail: '✖', skip: '•'} as const

/** Creates the renderer. `tty` = animate in place; `write` receives raw text for stderr. */
export function createProgressLines(tty: boolean, write: (text: string) => void, columns = 100): ProgressLines {
  const lines = new Map<string, {text: string; state: 'running' | 'ok' | 'fail' | 'skip'}>()
  if (!tty) {
    return {
      set(key, text, state = 'running') {
        const prev = lines.get(key)
        // Plain mode: one line per change of text, except progress-only updates of a running line.
        if (prev && prev.state === state && state === 'running' && prev.text.replace(/\s*\d+(\.\d+)?\s*[kMG]?B\/.*$/, '') === text.replace(/\s*\d+(\.\d+)?\s*[kMG]?B\/.*$/, '')) return
        lines.set(key, {text, state})
        write(`${state === 'running' ? '' : `${SYMBOL[state]} `}${text}\n`)
      },
      log: (text) => write(`${text}\n`),
      stop() {},
    }
  }
  let frame = 0
  let drawn = 0
  const draw = () => {
    let out = drawn ? `\u001B[${drawn}A` : ''
    for (const {text, state} of lines.values()) {
      const sym = state === 'running' ? FRAMES[frame % FRAMES.length] : SYMBOL[state]
      out += `\u001B[2K${`${sym} ${text}`.slice(0, columns - 1)}\n`
    }
    drawn = lines.size
    write(out)
  }
  const timer = setInterval(() => {
    frame++
    draw()
  }, 80)
  timer.unref()
  return {
    set(key, text, state = 'running') {
      lines.set(key, {text, state})
      draw()
    },
    log(text) {
      // Clear the block, print the log line, redraw the block below it.
      if (drawn) write(`\u001B[${drawn}A\u001B[0J`)
      drawn = 0
      write(`${text}\n`)
      draw()
    },
    stop() {
      clearInterval(timer)
      draw()
    },
  }
}
