// `kfp run --build`: before the pipeline is compiled, build the images of the steps that will run with the build
// service (content-hash tags: an unchanged component is not rebuilt), so the compiled pipeline names exactly those
// images and the run goes to Docker.
import type {Ctx} from '../../ctx.js'
import type {Project} from '../../core/project/types.js'
import {CliError, EXIT} from '../../lib/errors.js'
import type {RunEvent, RunOptions} from './types.js'

/** The steps `--start-step` leaves to run (all when it names no step: the run's own check reports that). */
export function stepsFrom(project: Project, startStep: string | undefined): Project['steps'] {
  if (!startStep) return project.steps
  const start = /^\d+$/.test(startStep) ? project.steps.find((s) => s.number === Number(startStep)) : project.steps.find((s) => s.name === startStep)
  return start ? project.steps.filter((s) => s.number >= start.number) : project.steps
}

/** Builds the images of the steps that will run; returns the step names built or found up to date. */
export async function buildForRun(o: RunOptions, ctx: Ctx, onEvent: (e: RunEvent) => void): Promise<string[]> {
  if (o.localFile) {
    throw new CliError('USAGE', '--build builds the images of a project; --local runs a compiled file, which has no Dockerfiles to build.', {
      exit: EXIT.USAGE,
      hints: ['Build in its project (kfp build), or drop --build.'],
    })
  }
  if (o.runner === 'process') {
    throw new CliError('USAGE', '--build runs the steps in Docker; it cannot be combined with --runner process.', {
      exit: EXIT.USAGE,
      hints: ['kfp run --build', 'kfp run --runner process'],
    })
  }
  const {loadProject} = await import('../project/load.js')
  const project = await loadProject({cwd: o.cwd, project: o.project}, ctx)
  const steps = stepsFrom(project, o.startStep).filter((s) => project.components[s.component]?.hasDockerfile)
  if (steps.length === 0) return []
  const {buildImages} = await import('../build/build.js')
  const stepOf = new Map<string, string>()
  for (const s of steps) if (!stepOf.has(s.component)) stepOf.set(s.component, s.name)
  const result = await buildImages(
    {
      project,
      steps: steps.map((s) => s.name),
      onEvent: (e) => {
        const step = stepOf.get(e.component) ?? e.component
        if (e.type === 'building') onEvent({type: 'build', step, image: e.image, status: 'building'})
        else if (e.type === 'done') onEvent({type: 'build', step, image: e.result.image, status: e.result.skipped ? 'up to date' : 'built'})
        else if (e.type === 'failed') onEvent({type: 'build', step, status: 'failed'})
      },
    },
    ctx,
  )
  return result.images.map((r) => r.step)
}
