/**
 * js-yaml, loaded on the first call, not when a module that imports this one loads (kfp's start-up, `kfp runs` and
 * `kfp logs` import its users and never parse with it). Synchronous, so readers stay sync. The one loader for
 * core/ir/read.ts (compiled IR, read as PyYAML reads it) and core/yaml-fast.ts (plain kfp.yaml, read fast).
 */
import {createRequire} from 'node:module'

export type JsYaml = typeof import('js-yaml')
let lib: JsYaml | undefined

export function jsYamlLib(): JsYaml {
  return (lib ??= createRequire(import.meta.url)('js-yaml') as JsYaml)
}
