// The two ways a task runs locally: in a Docker container (step containers are always removed) or as a host
// process (own process group, killed as a whole on cancel).
import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type {DockerClient, DockerProgress, PullAuth} from '../../clients/docker.js'
import {createProgramResolver, processStartTime, spawnStep, STEP_MARKER} from '../../clients/process.js'
import type {IrResourceSpec} from '../../core/ir/types.js'
import {dockerResources} from '../../core/engine/resources.js'
import type {Env} from '../../lib/env.js'

/** One attempt of a task, fully resolved. */
export interface TaskJob {
  runId: string
  task: string
  image: string
  /** Resolved KFP command (may be empty: the image's entrypoint runs). */
  command: string[]
  args: string[]
  env: Record<string, string>
  resources?: IrResourceSpec
  /** Process runner: working folder (the component folder), or undefined for a fresh temp folder. */
  cwd?: string
  /** Host folders the task reads/writes; Docker mounts them at the same path. */
  mounts: string[]
}

export interface JobHooks {
  /** Each chunk of the step's output; a returned promise pauses that output until it settles (backpressure). */
  onData: (chunk: Buffer, stream: 'stdout' | 'stderr') => void | Promise<void>
  signal: AbortSignal
  onWarning?: (message: string) => void
  /** The step exists: its process (group) or its container, so that it can be stopped if kfp itself is killed. */
  onStart?: (handle: {pid: number; processStart?: string} | {containerId: string}) => void
}

export interface JobResult {
  exitCode: number
  /** Stopped because the signal aborted. */
  aborted: boolean
}

/** How one step runs: in a Docker container or as a host process. */
export type StepRunnerKind = 'docker' | 'process'

/** A runner executes task jobs. `mixed`: Docker for some steps, host processes for others (kindOf says which). */
export interface TaskRunner {
  kind: StepRunnerKind | 'mixed'
  /** Mixed runners: how a step with this image runs. */
  kindOf?(image: string): StepRunnerKind
  /** Gets ready to run these images (pull missing ones). */
  prepare(images: string[], onPull: (image: string, p: DockerProgress | {status: 'present' | 'pulling' | 'pulled'}) => void): Promise<void>
  run(job: TaskJob, hooks: JobHooks): Promise<JobResult>
  /** Waits for clean-up that runs after tasks end (temp folders); call once the run is over. */
  dispose?(): Promise<void>
}

/**
 * Runs the container's command and args on the host. Steps without a folder of their own get a fresh temp folder,
 * removed after the step ends without holding up the next one (`dispose` waits for those removals).
 */
export function createProcessRunner(baseEnv: Env): TaskRunner {
  const resolve = createProgramResolver()
  const cleanups = new Set<Promise<void>>()
  return {
    kind: 'process',
    async prepare() {},
    async run(job, hooks) {
      const [file, ...rest] = job.command
      const tmp = job.cwd ? undefined : await mkdtemp(path.join(os.tmpdir(), 'kfp-step-'))
      try {
        const r = await spawnStep(file, [...rest, ...job.args], {
          cwd: job.cwd ?? tmp!,
          // The label that finds the step even when kfp is killed before its pid is recorded (findMarkedProcesses).
          env: {...baseEnv, ...job.env, [STEP_MARKER]: `${job.runId}/${job.task}`},
          onData: hooks.onData,
          signal: hooks.signal,
          resolve,
          onSpawn: (pid) => hooks.onStart?.({pid, processStart: processStartTime(pid)}),
        })
        return {exitCode: r.exitCode, aborted: r.aborted}
      } finally {
        if (tmp) {
          const removal: Promise<void> = rm(tmp, {recursive: true, force: true})
            .catch(() => {})
            .finally(() => cleanups.delete(removal))
          cleanups.add(removal)
        }
      }
    },
    async dispose() {
      await Promise.all(cleanups)
    },
  }
}

/** Label put on every step container, to find leftovers. */
export const CONTAINER_LABEL = 'io.kfp-cli.run'

/** Runs each task in a container; the container is removed afterwards whatever happens. */
export function createDockerRunner(
  docker: DockerClient,
  hostCpus: number,
  opts: {
    /** The registry login to pull `image` with (the user's Docker credentials), if any. */
    authFor?: (image: string) => Promise<PullAuth | undefined>
  } = {},
): TaskRunner {
  return {
    kind: 'docker',
    async prepare(images, onPull) {
      for (const image of [...new Set(images)]) {
        if (await docker.imageExists(image)) {
          onPull(image, {status: 'present'})
          continue
        }
        onPull(image, {status: 'pulling'})
        await docker.pull(image, (p) => onPull(image, p), await opts.authFor?.(image))
        onPull(image, {status: 'pulled'})
      }
    },
    async run(job, hooks) {
      const res = dockerResources(job.resources, hostCpus)
      for (const w of res.warnings) hooks.onWarning?.(`${job.task}: ${w}`)
      let id: string | undefined
      let aborted = false
      const onAbort = () => {
        aborted = true
        if (id) void docker.stopContainer(id, 2).catch(() => {})
      }
      try {
        if (hooks.signal.aborted) return {exitCode: 130, aborted: true}
        id = await docker.createContainer({
          image: job.image,
          entrypoint: job.command.length ? job.command : undefined,
          cmd: job.command.length || job.args.length ? job.args : undefined,
          env: job.env,
          binds: [...new Set(job.mounts)].map((m) => ({host: m, container: m})),
          memoryBytes: res.memoryBytes,
          memoryReservationBytes: res.memoryReservationBytes,
          nanoCpus: res.nanoCpus,
          cpuShares: res.cpuShares,
          labels: {[CONTAINER_LABEL]: job.runId, 'io.kfp-cli.task': job.task},
        })
        hooks.onStart?.({containerId: id})
        hooks.signal.addEventListener('abort', onAbort, {once: true})
        if (hooks.signal.aborted) return {exitCode: 130, aborted: true}
        await docker.startContainer(id)
        const exited = docker.waitContainer(id)
        const logs = docker.followLogs(id, hooks.onData, exited)
        // Awaited after the exit code: should the wait fail, its error is the one thrown and the read's is dropped.
        logs.catch(() => {})
        const exitCode = await exited
        await logs
        return {exitCode, aborted}
      } finally {
        hooks.signal.removeEventListener('abort', onAbort)
        if (id) await docker.removeContainer(id)
      }
    },
  }
}

/** How a step with `image` runs under `r` (part of its cache key: the runner is the step's environment). */
export function stepRunnerOf(r: Pick<TaskRunner, 'kind' | 'kindOf'>, image: string): StepRunnerKind {
  return r.kindOf?.(image) ?? (r.kind === 'process' ? 'process' : 'docker')
}
