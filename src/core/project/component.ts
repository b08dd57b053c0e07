import path from 'node:path'
import {didYouMeanSuffix} from './names.js'
import {convertV1Default, mapV1Type} from './param-types.js'
import {checkSchema} from './schema-check.js'
import type {Component, ComponentArg, ComponentIO, JsonValue, ProjectIssue} from './types.js'
import {checkedExactly, parseYamlFile, positionOf, type YamlParse, type YamlPath} from './yaml-doc.js'
import {isObj, type Obj} from '../obj.js'

/** What the service read for one component folder. */
export interface ComponentSource {
  /** Folder relative to the project root (e.g. components/preprocess); an absolute path is made relative to `root`. */
  dir: string
  /** component.yaml path, as it should appear in issues. */
  file: string
  /** Its text, or undefined when the file does not exist. */
  text: string | undefined
  hasDockerfile: boolean
}


/**
 * Parses and checks one `component.yaml` (KFP v1 component format, container implementation, plus `fileOutputs`)
 * for the component folder `name`. Pure: takes the file text. Returns the component when there is no issue.
 * Checks: YAML syntax, the component JSON Schema (unknown keys, missing implementation.container.image, …),
 * duplicate input/output names, defaults that do not match the input type, and placeholders naming an input or
 * output the component does not declare.
 */
export function parseComponent(
  name: string,
  source: ComponentSource,
  root?: string,
): {component?: Component; issues: ProjectIssue[]} {
  const file = source.file
  if (source.text === undefined) {
    return {issues: [{file, line: 1, col: 1, message: `${file} not found`, hint: `Create it with \`kfp component add ${name}\`.`, code: 'COMPONENT_NOT_FOUND'}]}
  }
  return checkedExactly(parseYamlFile(file, source.text), (parsed) => checkComponent(name, source, parsed, root))
}

function checkComponent(name: string, source: ComponentSource, parsed: YamlParse, root?: string): {component?: Component; issues: ProjectIssue[]} {
  const file = source.file
  if (!parsed.yaml) return {issues: parsed.issues}
  const y = parsed.yaml
  if (!isObj(y.data)) {
    return {
      issues: [{file, line: 1, col: 1, message: 'component.yaml must be a mapping with name, inputs, outputs and implementation', code: 'SCHEMA'}],
    }
  }
  const issues: ProjectIssue[] = [...checkSchema(y, 'component')]
  const at = (p: YamlPath, mode: 'key' | 'value' = 'value') => ({file, ...positionOf(y, p, mode)})
  const data = y.data
  const container = isObj(data.implementation) && isObj(data.implementation.container) ? data.implementation.container : {}

  const readIOs = (key: 'inputs' | 'outputs'): ComponentIO[] => {
    const list = Array.isArray(data[key]) ? (data[key] as unknown[]) : []
    const out: ComponentIO[] = []
    const seen = new Set<string>()
    list.forEach((raw, i) => {
      if (!isObj(raw) || typeof raw.name !== 'string') return
      if (seen.has(raw.name)) {
        issues.push({...at([key, i, 'name']), message: `duplicate ${key.slice(0, -1)} name '${raw.name}'`, code: 'DUPLICATE_NAME'})
        return
      }
      seen.add(raw.name)
      const finalStatus = raw.type === 'PipelineTaskFinalStatus'
      // The SDK's PipelineTaskFinalStatus: a struct the exit handler fills (type_utils.is_task_final_status_type).
      const t = finalStatus ? ({kind: 'parameter', paramType: 'struct'} as const) : mapV1Type(raw.type)
      const io: ComponentIO = {name: raw.name, kind: t.kind}
      if (finalStatus) {
        io.finalStatus = true
        if (key === 'outputs') {
          issues.push({...at([key, i, 'type']), message: `output '${raw.name}': PipelineTaskFinalStatus is only an input type`, hint: 'Give the output another type, e.g. String or JsonObject.', code: 'TYPE_MISMATCH'})
        }
      }
      if (typeof raw.type === 'string') io.type = raw.type
      else if (raw.type !== undefined && raw.type !== null) io.type = JSON.stringify(raw.type)
      if (t.kind === 'parameter') io.paramType = t.paramType
      if (typeof raw.description === 'string') io.description = raw.description
      if (raw.optional === true) io.optional = true
      if (key === 'inputs' && raw.default !== undefined && raw.default !== null) {
        if (t.kind === 'parameter') {
          const d = convertV1Default(raw.default, t.paramType)
          if ('error' in d) {
            issues.push({
              ...at([key, i, 'default']),
              message: `default of input '${raw.name}' ${d.error} (its type is ${raw.type})`,
              hint: `Change the default or the type of '${raw.name}'.`,
              code: 'TYPE_MISMATCH',
            })
          } else io.default = d.value
        } else io.default = raw.default as JsonValue
      }
      out.push(io)
    })
    return out
  }
  const inputs = readIOs('inputs')
  const outputs = readIOs('outputs')

  // fileOutputs: top level and under implementation.container (the container's win on conflict).
  const fileOutputs: Record<string, string> = {}
  for (const [src, base] of [
    [data.fileOutputs, ['fileOutputs']],
    [container.fileOutputs, ['implementation', 'container', 'fileOutputs']],
  ] as const) {
    if (!isObj(src)) continue
    for (const [out, p] of Object.entries(src)) {
      if (typeof p !== 'string') continue
      if (p.trim() === '') {
        issues.push({...at([...base, out]), message: `fileOutputs '${out}' needs a file path, e.g. /output.txt`, code: 'SCHEMA'})
        continue
      }
      fileOutputs[out] = p
    }
  }
  for (const out of Object.keys(fileOutputs)) {
    if (!outputs.some((o) => o.name === out)) outputs.push({name: out, type: 'String', kind: 'parameter', paramType: 'string'})
  }

  // Placeholders must name declared inputs/outputs.
  const inputNames = inputs.map((i) => i.name)
  const outputNames = outputs.map((o) => o.name)
  const outputPathUsed = new Set<string>()
  const checkArg = (arg: unknown, p: YamlPath): ComponentArg | undefined => {
    if (typeof arg === 'string') return arg
    if (typeof arg === 'number' || typeof arg === 'boolean') return String(arg)
    if (!isObj(arg)) return undefined
    const keys = Object.keys(arg)
    if (keys.length !== 1) {
      issues.push({
        ...at(p),
        message: `a placeholder has exactly one key (inputValue, inputPath, outputPath, concat or if), got ${keys.join(', ') || 'none'}`,
        code: 'PLACEHOLDER',
      })
      return undefined
    }
    const [k] = keys
    const v = arg[k]
    const refCheck = (kind: 'input' | 'output', ref: unknown): string | undefined => {
      const names = kind === 'input' ? inputNames : outputNames
      if (typeof ref !== 'string') {
        issues.push({...at([...p, k]), message: `{${k}} needs the name of an ${kind}`, code: 'PLACEHOLDER'})
        return undefined
      }
      if (!names.includes(ref)) {
        const other = kind === 'input' ? outputNames.includes(ref) : inputNames.includes(ref)
        issues.push({
          ...at([...p, k]),
          message: `{${k}: ${ref}} names an ${kind} that is not declared${didYouMeanSuffix(ref, names)}`,
          hint: other
            ? `'${ref}' is an ${kind === 'input' ? 'output' : 'input'}; use {${kind === 'input' ? 'outputPath' : 'inputValue'}: ${ref}}.`
            : `Declare it under ${kind}s: (declared: ${names.join(', ') || 'none'}).`,
          code: 'PLACEHOLDER',
        })
        return undefined
      }
      return ref
    }
    switch (k) {
      case 'inputValue':
      case 'inputPath': {
        const r = refCheck('input', v)
        return r === undefined ? undefined : k === 'inputValue' ? {inputValue: r} : {inputPath: r}
      }
      case 'outputPath': {
        const r = refCheck('output', v)
        if (r !== undefined) outputPathUsed.add(r)
        return r === undefined ? undefined : {outputPath: r}
      }
      case 'concat': {
        if (!Array.isArray(v)) {
          issues.push({...at([...p, k]), message: '{concat} needs a list', code: 'PLACEHOLDER'})
          return undefined
        }
        const parts = v.map((x, i) => checkArg(x, [...p, k, i]))
        return parts.every((x) => x !== undefined) ? {concat: parts as ComponentArg[]} : undefined
      }
      case 'if': {
        const cond = isObj(v) && isObj(v.cond) ? v.cond : undefined
        if (!cond || typeof cond.isPresent !== 'string') {
          issues.push({...at([...p, k]), message: '{if} needs cond: {isPresent: INPUT}', code: 'PLACEHOLDER'})
          return undefined
        }
        const present = refCheck('input', cond.isPresent)
        const branch = (b: 'then' | 'else'): ComponentArg[] | undefined | null => {
          const list = (v as Obj)[b]
          if (list === undefined || list === null) return null
          const arr = Array.isArray(list) ? list : [list]
          const out = arr.map((x, i) => checkArg(x, Array.isArray(list) ? [...p, k, b, i] : [...p, k, b]))
          return out.every((x) => x !== undefined) ? (out as ComponentArg[]) : undefined
        }
        const thenB = branch('then')
        const elseB = branch('else')
        if (present === undefined || thenB === undefined || elseB === undefined) return undefined
        const node: {cond: {isPresent: string}; then?: ComponentArg[]; else?: ComponentArg[]} = {cond: {isPresent: present}}
        if (thenB) node.then = thenB
        if (elseB) node.else = elseB
        return {if: node}
      }
      default:
        issues.push({
          ...at([...p, k], 'key'),
          message: `unknown placeholder '${k}'${didYouMeanSuffix(k, ['inputValue', 'inputPath', 'outputPath', 'concat', 'if'])}`,
          hint: 'Placeholders: {inputValue: IN}, {inputPath: IN}, {outputPath: OUT}, {concat: [...]}, {if: {cond: {isPresent: IN}, then: [...]}}.',
          code: 'PLACEHOLDER',
        })
        return undefined
    }
  }
  const readArgs = (key: 'command' | 'args'): ComponentArg[] => {
    const list = Array.isArray(container[key]) ? (container[key] as unknown[]) : []
    return list.map((a, i) => checkArg(a, ['implementation', 'container', key, i])).filter((a): a is ComponentArg => a !== undefined)
  }
  const command = readArgs('command')
  const args = readArgs('args')
  for (const out of Object.keys(fileOutputs)) {
    if (outputPathUsed.has(out)) {
      issues.push({
        ...at(isObj(container.fileOutputs) && out in container.fileOutputs ? ['implementation', 'container', 'fileOutputs', out] : ['fileOutputs', out], 'key'),
        message: `output '${out}' is written both to {outputPath: ${out}} and to the fileOutputs path`,
        hint: 'Use one of them: {outputPath} when the program takes the path as an argument, fileOutputs when it writes a fixed file.',
        code: 'PLACEHOLDER',
      })
    }
  }

  const image = typeof container.image === 'string' ? container.image.trim() : ''
  if (typeof container.image === 'string' && image === '') {
    issues.push({...at(['implementation', 'container', 'image']), message: 'implementation.container.image is empty', hint: 'Set an image, e.g. python:3.11-slim.', code: 'SCHEMA'})
  }
  const env: Record<string, string> = {}
  if (isObj(container.env)) for (const [k, v] of Object.entries(container.env)) if (v !== null && v !== undefined) env[k] = String(v)

  if (issues.length > 0) return {issues}
  const dir = root && path.isAbsolute(source.dir) ? path.relative(root, source.dir).split(path.sep).join('/') : source.dir
  const component: Component = {
    name,
    dir,
    inputs,
    outputs,
    image,
    command,
    args,
    env,
    fileOutputs,
    hasDockerfile: source.hasDockerfile,
  }
  if (typeof data.name === 'string') component.displayName = data.name
  if (typeof data.description === 'string') component.description = data.description.trim()
  return {component, issues: []}
}
