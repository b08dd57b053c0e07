import {readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {parseProject, type ComponentSource} from '../../../src/core/project/load.js'
import type {ProjectIssue} from '../../../src/core/project/types.js'
import {repoRoot} from '../../helpers/cli.js'

export const ROOT = '/proj'
export const KFP = '/proj/kfp.yaml'
export const fixtureDir = (name: string) => path.join(repoRoot, 'test', 'fixtures', 'projects', name)

/** The component.yaml texts of a fixture project, by component name. */
export function fixtureComponents(name: string): Record<string, string> {
  const dir = path.join(fixtureDir(name), 'components')
  const out: Record<string, string> = {}
  for (const c of readdirSync(dir)) out[c] = readFileSync(path.join(dir, c, 'component.yaml'), 'utf8')
  return out
}

export function fixtureText(name: string): string {
  return readFileSync(path.join(fixtureDir(name), 'kfp.yaml'), 'utf8')
}

/** Parses kfp.yaml text with the given component.yaml texts (as if under /proj/components/<name>/). */
export function parse(kfpYaml: string, components: Record<string, string | undefined> = fixtureComponents('babyweight')) {
  const sources: Record<string, ComponentSource> = {}
  for (const [name, text] of Object.entries(components)) {
    sources[name] = {dir: `components/${name}`, file: `${ROOT}/components/${name}/component.yaml`, text, hasDockerfile: true}
  }
  return parseProject({root: ROOT, file: KFP, text: kfpYaml, components: sources})
}

/** The babyweight fixture with text replacements applied to kfp.yaml (each replacement must match). */
export function babyweight(...replacements: Array<[string | RegExp, string]>): string {
  let text = fixtureText('babyweight')
  for (const [from, to] of replacements) {
    const next = text.replace(from, to)
    if (next === text) throw new Error(`fixture replacement did not match: ${from}`)
    text = next
  }
  return text
}

/** 1-based line:col of the first occurrence of `needle` in `text` (after `after`, when given). */
export function posOf(text: string, needle: string, after?: string): string {
  const start = after === undefined ? 0 : text.indexOf(after)
  const i = text.indexOf(needle, start < 0 ? 0 : start)
  if (i < 0) throw new Error(`needle not found: ${needle}`)
  const before = text.slice(0, i).split('\n')
  return `${before.length}:${before.at(-1)!.length + 1}`
}

/** 1-based line:col of the last occurrence of `needle`, moved right by `shift` characters. */
export function lastPosOf(text: string, needle: string, shift = 0): string {
  const i = text.lastIndexOf(needle)
  if (i < 0) throw new Error(`needle not found: ${needle}`)
  const before = text.slice(0, i + shift).split('\n')
  return `${before.length}:${before.at(-1)!.length + 1}`
}

export const where = (i: ProjectIssue) => `${i.line}:${i.col}`
export const summary = (issues: ProjectIssue[]) => issues.map((i) => `${path.basename(i.file)}:${i.line}:${i.col}: ${i.message}`).join('\n')

/** A v1 component.yaml text. inputs/outputs: [name, type?, default?]. */
export function comp(opts: {inputs?: Array<[string, string?, string?]>; outputs?: Array<[string, string?]>; extra?: string; args?: string}): string {
  const io = (list: Array<[string, string?, string?]> | undefined) =>
    (list ?? []).map(([n, t, d]) => `- {name: ${n}${t ? `, type: ${t}` : ''}${d !== undefined ? `, default: '${d}'` : ''}}`).join('\n')
  const args =
    opts.args ??
    `[${[...(opts.inputs ?? []).map(([n]) => `{inputValue: ${n}}`), ...(opts.outputs ?? []).map(([n]) => `{outputPath: ${n}}`)].join(', ')}]`
  const block = (items: string) => (items ? `\n${items}` : ' []')
  return `name: c
inputs:${block(io(opts.inputs))}
outputs:${block(io(opts.outputs))}
implementation:
  container:
    image: busybox
    command: [sh, run.sh]
    args: ${args}
${opts.extra ?? ''}`
}
