import path from 'node:path'
import type {Ctx} from '../ctx.js'
import type {ValueKind} from '../core/complete/words.js'

/**
 * The dynamic values of shell completion, read from the project around ctx.cwd: run ids and names (and `latest`),
 * step names and numbers, target names, parameter names (`startYear=`), experiment names of local runs.
 * Never throws: outside a project, or with a broken kfp.yaml, there is simply nothing to offer.
 * `files`/`dirs` are left to the shell (the result says so).
 */
export async function completionValues(kind: ValueKind, prefix: string, ctx: Pick<Ctx, 'cwd' | 'env'>, project?: string): Promise<{values: string[]; shell?: 'files' | 'dirs'}> {
  if (kind === 'files' || kind === 'dirs') return {values: [], shell: kind}
  if (kind === 'shells') return {values: ['bash', 'fish', 'zsh'].filter((s) => s.startsWith(prefix))}
  const values = await read(kind, ctx, project).catch(() => [] as string[])
  return {values: [...new Set(values)].filter((v) => v.startsWith(prefix))}
}

async function read(kind: ValueKind, ctx: Pick<Ctx, 'cwd' | 'env'>, project?: string): Promise<string[]> {
  switch (kind) {
    case 'steps': {
      const {listSteps} = await import('./project/steps.js')
      const r = await listSteps({cwd: ctx.cwd, project}, ctx)
      return r.steps.map((s) => s.name)
    }
    case 'params': {
      const {loadProject} = await import('./project/load.js')
      const p = await loadProject({cwd: ctx.cwd, project}, ctx)
      return p.params.map((x) => `${x.name}=`)
    }
    case 'runs':
    case 'experiments': {
      const {runsStateDir} = await import('./runs/index.js')
      const {listRunRecords} = await import('./run/store.js')
      const runs = await listRunRecords(await runsStateDir({cwd: ctx.cwd, project}, ctx))
      if (kind === 'experiments') return runs.map((r) => r.experiment)
      return ['latest', ...runs.map((r) => r.id), ...runs.map((r) => r.name)]
    }
    case 'targets': {
      const {listTargets} = await import('./target/manage.js')
      const r = await listTargets({...ctx, cwd: project ? path.resolve(ctx.cwd, project) : ctx.cwd})
      return r.targets.map((t) => t.name)
    }
    default:
      return []
  }
}
