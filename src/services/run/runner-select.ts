// Picks how each step of a local run runs (core/engine/runner-choice.ts decides; this finds out what it needs:
// whether Docker answers, which of the project's images are built) and builds the runner: Docker, host processes,
// or both (steps whose images are not built run on the host under --runner auto, and one line says so).
import os from 'node:os'
import type {Ctx} from '../../ctx.js'
import {createDockerClient, type DockerClient, type PullAuth} from '../../clients/docker.js'
import type {PlannedTask} from '../../core/engine/dag.js'
import {chooseRunners, type RunnerMode} from '../../core/engine/runner-choice.js'
import {userStepName} from '../../core/engine/start-step.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {createDockerRunner, createProcessRunner, type TaskRunner} from './runners.js'
import {stepHostEnv} from './step-env.js'
import type {RunEvent} from './types.js'

export interface SelectRunnerInput {
  mode: RunnerMode
  /** `targets.NAME.runner in kfp.yaml` when the mode is the target's pin. */
  pinnedBy?: string
  /** The tasks that will run (not those --start-step skips). */
  tasks: PlannedTask[]
  /** Images `kfp build` makes from the project's Dockerfiles. */
  buildable: string[]
  stepNames?: Record<string, string>
}

/** The user's login for the registry of `image` (flags aside, as `kfp build --push` finds it), for pulls. */
async function pullAuth(image: string, ctx: Ctx): Promise<PullAuth | undefined> {
  const [{resolveRegistryCredentials, dockerAuthConfig}, {parseImageRef}] = await Promise.all([
    import('../../clients/registry-auth.js'),
    import('../../core/build/naming.js'),
  ])
  const creds = await resolveRegistryCredentials(parseImageRef(image).registry, {env: ctx.env, exec: ctx.exec})
  return creds ? {authconfig: dockerAuthConfig(creds), source: creds.source} : undefined
}

async function dockerOf(ctx: Ctx): Promise<DockerClient> {
  return ctx.clients.docker ? ctx.clients.docker() : createDockerClient(ctx.env)
}

/** Docker for the steps that have their images, host processes for the others (by image). */
function mixedRunner(docker: TaskRunner, host: TaskRunner, hostImages: Set<string>): TaskRunner {
  return {
    kind: 'mixed',
    kindOf: (image) => (hostImages.has(image) ? 'process' : 'docker'),
    prepare: (images, onPull) => docker.prepare(images.filter((i) => !hostImages.has(i)), onPull),
    run: (job, hooks) => (hostImages.has(job.image) ? host.run(job, hooks) : docker.run(job, hooks)),
    async dispose() {
      await Promise.all([docker.dispose?.(), host.dispose?.()])
    },
  }
}

/** The runner for this run; warns (one line) when steps run as host processes under auto. */
export async function selectRunner(i: SelectRunnerInput, ctx: Ctx, onEvent: (e: RunEvent) => void): Promise<TaskRunner> {
  // Steps on the host never inherit kfp's own credentials (step-env.ts).
  if (i.mode === 'process') return createProcessRunner(await stepHostEnv(ctx))
  const docker = await dockerOf(ctx)
  let dockerDown: string | undefined
  try {
    await docker.ping()
  } catch (err) {
    if (i.mode === 'docker') throw err
    dockerDown = (err as Error).message.split('\n')[0]
  }
  const buildable = new Set(i.buildable)
  const built = new Set<string>()
  if (dockerDown === undefined) for (const image of buildable) if (await docker.imageExists(image)) built.add(image)
  const choice = chooseRunners({
    mode: i.mode,
    pinnedBy: i.pinnedBy,
    dockerDown,
    steps: i.tasks.map((t) => ({
      number: t.number,
      name: userStepName(t, i.stepNames),
      image: t.container.image,
      buildable: buildable.has(t.container.image),
      built: built.has(t.container.image),
      hasCommand: Boolean(t.container.command?.length),
    })),
  })
  if (choice.note) onEvent({type: 'warning', message: choice.note})
  const host = new Set(choice.processSteps)
  const hostTasks = i.tasks.filter((t) => host.has(userStepName(t, i.stepNames)))
  if (hostTasks.length === i.tasks.length && i.tasks.length > 0) return createProcessRunner(await stepHostEnv(ctx))
  const dockerRunner = createDockerRunner(docker, os.availableParallelism(), {authFor: (image) => pullAuth(image, ctx)})
  if (hostTasks.length === 0) return dockerRunner
  return mixedRunner(dockerRunner, createProcessRunner(await stepHostEnv(ctx)), new Set(hostTasks.map((t) => t.container.image)))
}

/** Throws when the process runner would have to run tasks without a command (only their image knows what to run). */
export function assertProcessRunnable(tasks: PlannedTask[]): void {
  const bad = tasks.filter((t) => !t.container.command || t.container.command.length === 0)
  if (bad.length === 0) return
  throw new CliError(
    'IR_UNSUPPORTED',
    `The process runner cannot run ${bad.map((t) => `task '${t.name}'`).join(', ')}: no command (the image's entrypoint runs), which only exists in its container.`,
    {exit: EXIT.CONFIG, hints: ['Run with --runner docker, or give the component a command.']},
  )
}
