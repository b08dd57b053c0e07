import {didYouMean, nameList} from './names.js'
import type {Component, ComponentIO, Project, Step} from './types.js'

/**
 * The outputs a step produces: its component's outputs (which include the component's fileOutputs) plus the names of
 * fileOutputs declared on the step itself (String parameters).
 */
export function stepOutputs(step: Pick<Step, 'fileOutputs'>, component: Component | undefined): ComponentIO[] {
  const outs = [...(component?.outputs ?? [])]
  for (const name of Object.keys(step.fileOutputs)) {
    if (!outs.some((o) => o.name === name)) outs.push({name, type: 'String', kind: 'parameter', paramType: 'string'})
  }
  return outs
}

/**
 * Finds a step by its 1-based number (a number or a numeric string) or by name.
 * Returns the step, or a message and hints (did-you-mean, the list of steps) to show the user.
 */
export function findStep(project: Pick<Project, 'steps'>, ref: string | number): {step: Step} | {message: string; hints: string[]} {
  const list = nameList(project.steps.map((s) => `${s.number} ${s.name}`))
  const listHint = project.steps.length > 0 ? `Steps: ${list}.` : 'The pipeline has no steps yet; add one with `kfp component add NAME`.'
  const text = String(ref).trim()
  if (typeof ref === 'number' || /^\d+$/.test(text)) {
    const n = Number(text)
    const step = project.steps.find((s) => s.number === n)
    if (step) return {step}
    return {message: `There is no step ${text}: the pipeline has ${project.steps.length} step${project.steps.length === 1 ? '' : 's'}.`, hints: [listHint]}
  }
  const step = project.steps.find((s) => s.name === text)
  if (step) return {step}
  const guess = didYouMean(text, project.steps.map((s) => s.name))
  return {
    message: `Unknown step '${text}'${guess ? ` — did you mean '${guess}'?` : ''}`,
    hints: [listHint],
  }
}
