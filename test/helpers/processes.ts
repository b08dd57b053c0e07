import {execFileSync} from 'node:child_process'

/** The `ps` lines (pid, args) of processes whose command line contains `marker` (a test's unique step argument). */
export function processesWith(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], {encoding: 'utf8'})
    .split('\n')
    .filter((l) => l.includes(marker) && !l.includes('ps -eo'))
}

/** SIGKILLs every process whose command line contains `marker` (clean-up after a failed test). */
export function killMarked(marker: string): void {
  for (const l of processesWith(marker)) {
    try {
      process.kill(Number(l.trim().split(/\s+/)[0]), 'SIGKILL')
    } catch {}
  }
}
