/**
 * Which local runner runs each step: the decision behind `kfp run --runner auto|docker|process` (and a local target's
 * `runner:` pin), made from what the service found out (does Docker answer, which of the project's images are built).
 * kfp never switches runner silently: every step that runs as a host process under `auto` is named in one line with
 * the reason, and `docker` refuses to start when an image `kfp build` makes is missing.
 */
import {CliError, EXIT} from '../../lib/errors.js'

export type RunnerMode = 'auto' | 'docker' | 'process'

/** One step about to run. */
export interface RunnerChoiceStep {
  number: number
  /** The name a user types (project step name, else the task key). */
  name: string
  image: string
  /** The project builds this image from a Dockerfile (`kfp build`), so pulling it would be wrong. */
  buildable: boolean
  /** A buildable image that exists in the local Docker. */
  built: boolean
  /** The container has a command (the process runner needs one: there is no image entrypoint on the host). */
  hasCommand: boolean
}

export interface RunnerChoiceInput {
  mode: RunnerMode
  /** Where the mode came from, for messages: `targets.<name>.runner` names the pin. */
  pinnedBy?: string
  /** Undefined when Docker answers, else why not. */
  dockerDown?: string
  steps: RunnerChoiceStep[]
}

export interface RunnerChoice {
  /** Step names that run as host processes (the rest run in Docker). */
  processSteps: string[]
  /** The one line that says which steps run as host processes and why (auto only). */
  note?: string
}

function stepList(steps: RunnerChoiceStep[]): string {
  return steps.map((s) => `${s.number}. ${s.name}`).join(', ')
}

function buildCommand(steps: RunnerChoiceStep[]): string {
  return `kfp build ${[...new Set(steps.map((s) => s.name))].join(' ')}`
}

/** Decides the runner of every step; throws the errors a user must act on (missing images under `docker`). */
export function chooseRunners(i: RunnerChoiceInput): RunnerChoice {
  const all = i.steps.map((s) => s.name)
  if (i.mode === 'process') return {processSteps: all}
  const unbuilt = i.steps.filter((s) => s.buildable && !s.built)
  if (i.mode === 'docker') {
    // A daemon that does not answer is the client's DOCKER_UNAVAILABLE error, raised before this decision.
    if (unbuilt.length) throw notBuilt(unbuilt, i.pinnedBy)
    return {processSteps: []}
  }
  if (i.dockerDown !== undefined) {
    return {processSteps: all, note: `Docker is not available (${i.dockerDown}): all ${all.length === 1 ? '' : `${all.length} `}step${all.length === 1 ? '' : 's'} run as host processes.`}
  }
  if (unbuilt.length === 0) return {processSteps: []}
  const noCommand = unbuilt.filter((s) => !s.hasCommand)
  if (noCommand.length) throw notBuilt(noCommand, i.pinnedBy, 'they have no command of their own, so they cannot run as host processes')
  const one = unbuilt.length === 1
  return {
    processSteps: unbuilt.map((s) => s.name),
    note:
      `Step${one ? '' : 's'} ${stepList(unbuilt)} run${one ? 's as a host process' : ' as host processes'}: ${one ? 'its image is' : 'their images are'} not built ` +
      `(\`kfp run --build\` or \`${buildCommand(unbuilt)}\` runs ${one ? 'it' : 'them'} in Docker; --runner process runs every step on the host).`,
  }
}

function notBuilt(steps: RunnerChoiceStep[], pinnedBy: string | undefined, why?: string): CliError {
  const one = steps.length === 1
  const how = pinnedBy ? ` (${pinnedBy})` : ''
  return new CliError(
    'IMAGES_NOT_BUILT',
    `The Docker runner${how} needs the image${one ? '' : 's'} of step${one ? '' : 's'} ${stepList(steps)}, which ${one ? 'is' : 'are'} not built: ${steps.map((s) => s.image).join(', ')}${why ? `; ${why}` : ''}.`,
    {exit: EXIT.CONFIG, hints: [`Build ${one ? 'it' : 'them'}: ${buildCommand(steps)}`, 'Or build and run in one go: kfp run --build'], data: {steps: steps.map((s) => s.name)}},
  )
}
