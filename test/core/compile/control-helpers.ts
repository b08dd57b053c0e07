/** Helpers for control-flow compile tests: v1 component.yaml texts and kfp.yaml → compiled spec. */
import {compilePipeline} from '../../../src/core/compile/index.js'
import type {PipelineSpec} from '../../../src/core/ir/types.js'
import {parse} from '../project/helpers.js'

/** A v1 component.yaml with typed inputs and outputs (the command does not matter here). */
export function comp(inputs: Array<[string, string]>, outputs: Array<[string, string]> = []): string {
  const list = (xs: Array<[string, string]>) => xs.map(([n, t]) => `  - {name: ${n}, type: ${t}}`).join('\n')
  return [
    'implementation:',
    '  container:',
    '    image: python:3.11',
    "    command: [python3, main.py]",
    inputs.length ? `inputs:\n${list(inputs)}` : '',
    outputs.length ? `outputs:\n${list(outputs)}` : '',
  ].join('\n')
}

/** Parses and compiles a kfp.yaml (failing the test with the issues when it is not valid). */
export function compileYaml(kfpYaml: string, components: Record<string, string>): PipelineSpec {
  const r = parse(kfpYaml, components)
  if (!r.project) throw new Error(`not valid:\n${r.issues.map((i) => `${i.line}:${i.col}: ${i.message}`).join('\n')}`)
  return compilePipeline(r.project, {images: {}}).spec
}


/** Components the control-flow tests share: a data step, a trainer, a picker, a deployer, an exit step, an echo. */
export const CONTROL_COMPONENTS = {
  prep: comp([], [['train', 'Dataset'], ['rows', 'Integer'], ['lrs', 'JsonArray'], ['label', 'String']]),
  train: comp([['data', 'Dataset'], ['rate', 'Float']], [['model', 'Model'], ['rmse', 'Float']]),
  pick: comp([['rmses', 'JsonArray']], [['best', 'Float'], ['name', 'String']]),
  deploy: comp([['model', 'Model']]),
  notify: comp([['status', 'PipelineTaskFinalStatus'], ['note', 'String']]),
  echo: comp([['msg', 'String']]),
}
