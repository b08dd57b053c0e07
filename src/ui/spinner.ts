/** A progress line: a spinner on a terminal, plain lines on stderr otherwise. */
export interface Spinner {
  start(text: string): void
  update(text: string): void
  succeed(text?: string): void
  fail(text?: string): void
  stop(): void
}

/** Creates a spinner; ora is loaded only when the spinner is enabled (TTY, not CI, not --json). */
export async function createSpinner(enabled: boolean, err: (t: string) => void): Promise<Spinner> {
  if (!enabled) {
    let current = ''
    return {
      start: (t) => {
        current = t
        err(t)
      },
      update: (t) => {
        current = t
      },
      succeed: (t) => err(`✔ ${t ?? current}`),
      fail: (t) => err(`✖ ${t ?? current}`),
      stop: () => {},
    }
  }
  const {default: ora} = await import('ora')
  const s = ora({stream: process.stderr})
  return {
    start: (t) => {
      s.start(t)
    },
    update: (t) => {
      s.text = t
    },
    succeed: (t) => {
      s.succeed(t)
    },
    fail: (t) => {
      s.fail(t)
    },
    stop: () => {
      s.stop()
    },
  }
}
