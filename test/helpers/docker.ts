import {existsSync} from 'node:fs'

/**
 * Whether a Docker daemon socket is there. Tests that need Docker call `dockerAvailable()` and, when false,
 * print a loud `SKIPPED:` line (counted by test/run.mjs). Under CI (CI=true) a missing daemon is a failure:
 * .ci/run always starts one.
 */
export function dockerAvailable(): boolean {
  const host = process.env.DOCKER_HOST
  if (host && !host.startsWith('unix://')) return true
  const sock = host ? host.replace('unix://', '') : '/var/run/docker.sock'
  return existsSync(sock)
}

/** Reports tests skipped for lack of Docker; throws in CI so the run fails. */
export function skipWithoutDocker(what: string, count = 1): boolean {
  if (dockerAvailable()) return false
  if (process.env.CI) throw new Error(`Docker is required in CI but no daemon is reachable (${what}). .ci/run should start dockerd.`)
  console.log(`SKIPPED: ${what}: no Docker daemon (start one with: dockerd --iptables=false --storage-driver=vfs &)`)
  console.log(`KFP_TEST_SKIPPED=${count}`)
  return true
}
