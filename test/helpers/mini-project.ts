// Small kfp projects written on the fly for end-to-end tests: each component is a `sh -c` script run by the
// process runner (image kfp-test/busybox is never pulled there).
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

export interface MiniComponent {
  /** `name` (a String parameter) or `name:Type` (`all:JsonArray` a parameter, `model:Model` an artifact passed by path). */
  inputs?: string[]
  outputs?: string[]
  /** The script; inputs arrive as $1.. in order, then output files in order. */
  script: string
}

const nameOf = (io: string) => io.split(':')[0]
const typeOf = (io: string) => io.split(':')[1] ?? 'String'
/** Parameter types (passed with {inputValue}); any other type is an artifact ({inputPath}). */
const PARAMETER_TYPES = new Set(['String', 'Integer', 'Float', 'Boolean', 'JsonArray', 'JsonObject'])

/** Writes kfp.yaml (given as text) and components/<name>/component.yaml for each component. */
export function writeMiniProject(dir: string, kfpYaml: string, components: Record<string, MiniComponent>): void {
  mkdirSync(dir, {recursive: true})
  writeFileSync(path.join(dir, 'kfp.yaml'), kfpYaml)
  for (const [name, c] of Object.entries(components)) {
    const d = path.join(dir, 'components', name)
    mkdirSync(d, {recursive: true})
    const ins = c.inputs ?? []
    const outs = c.outputs ?? []
    const lines = [
      `name: ${name}`,
      `inputs:`,
      ...ins.map((i) => `- {name: ${nameOf(i)}, type: ${typeOf(i)}}`),
      `outputs:`,
      ...outs.map((o) => `- {name: ${nameOf(o)}, type: ${typeOf(o)}}`),
      `implementation:`,
      `  container:`,
      `    image: kfp-test/busybox:latest`,
      `    command:`,
      `    - sh`,
      `    - -c`,
      `    - ${JSON.stringify(c.script)}`,
      `    - ${name}`,
      ...ins.map((i) => (PARAMETER_TYPES.has(typeOf(i)) ? `    - {inputValue: ${nameOf(i)}}` : `    - {inputPath: ${nameOf(i)}}`)),
      ...outs.map((o) => `    - {outputPath: ${nameOf(o)}}`),
    ]
    if (ins.length === 0) lines.splice(lines.indexOf('inputs:'), 1)
    if (outs.length === 0) lines.splice(lines.indexOf('outputs:'), 1)
    writeFileSync(path.join(d, 'component.yaml'), lines.join('\n') + '\n')
  }
}
