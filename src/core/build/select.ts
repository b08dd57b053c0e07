import {closest} from 'fastest-levenshtein'
import type {Project} from '../project/types.js'

/** One component to build, with the steps that use it (in step order). */
export interface BuildSelection {
  component: string
  steps: string[]
}

/** The result of choosing what `kfp build [STEP...]` builds. */
export interface SelectResult {
  selected: BuildSelection[]
  /** Step names that do not exist, each with the closest existing name when there is one. */
  unknown: Array<{name: string; suggestion?: string}>
}

/**
 * Chooses the components to build: those of the named steps, or of every step when `steps` is empty.
 * Components shared by several steps are built once. Order follows the steps of kfp.yaml.
 */
export function selectComponents(project: Pick<Project, 'steps'>, steps: readonly string[]): SelectResult {
  const names = project.steps.map((s) => s.name)
  const unknown: SelectResult['unknown'] = []
  for (const n of steps) {
    if (!names.includes(n)) unknown.push({name: n, suggestion: names.length ? closest(n, names) : undefined})
  }
  const wanted = steps.length ? new Set(steps) : undefined
  const byComponent = new Map<string, BuildSelection>()
  for (const s of project.steps) {
    if (wanted && !wanted.has(s.name)) continue
    const sel = byComponent.get(s.component) ?? {component: s.component, steps: []}
    sel.steps.push(s.name)
    byComponent.set(s.component, sel)
  }
  return {selected: [...byComponent.values()], unknown}
}
