import {parse, stringify} from 'yaml'
import {compilePipeline, renderPipelineYaml} from '../src/core/compile/index.js'
import {parseProject} from '../src/core/project/load.js'
import {type BenchResult, fmt, timeAsync} from './lib.js'

const COMPONENT = `name: step
description: One generated step.
inputs:
- {name: x, type: String}
- {name: n, type: Integer}
outputs:
- {name: y, type: String}
implementation:
  container:
    image: localhost:5000/bench-step:1
    command: [sh, -c, 'echo "$0" > "$1"']
    args: [{inputValue: x}, {outputPath: y}]
`

/** A kfp.yaml with `n` steps: a chain where each step reads the previous step's output, plus a fan-out every 10. */
export function generateProject(n: number): string {
  const lines = ['name: bench', 'description: generated', 'params:', '  seed: {type: string, default: start}', '  n: 3', 'steps:']
  for (let i = 1; i <= n; i++) {
    const from = i === 1 ? '${{ params.seed }}' : `\${{ steps.s${i % 10 === 0 ? Math.max(1, i - 10) : i - 1}.outputs.y }}`
    lines.push(`  - name: s${i}`, '    component: step', '    inputs:', `      x: "${from}"`, '      n: ${{ params.n }}')
    if (i % 7 === 0) lines.push('    resources: {cpu: 1, memory: 2G}')
  }
  return lines.join('\n') + '\n'
}

function compileText(text: string): string {
  const {project, issues} = parseProject({
    root: '/bench',
    file: 'kfp.yaml',
    text,
    components: {step: {dir: 'components/step', file: 'components/step/component.yaml', text: COMPONENT, hasDockerfile: false}},
  })
  if (!project) throw new Error(`generated project is invalid: ${issues.map((i) => `${i.line}:${i.col} ${i.message}`).join('; ')}`)
  return renderPipelineYaml(compilePipeline(project, {images: {}}).spec)
}

/**
 * Compiling a generated 1,000-step pipeline (parse + validate + compile + write IR YAML) against parsing and writing
 * the same kfp.yaml with the yaml library (target ≤ 3×), and 10,000 steps against 1,000 (target ≤ 12×: linear).
 */
export async function benchCompile(): Promise<BenchResult[]> {
  const t1k = generateProject(1000)
  const t10k = generateProject(10_000)
  const base = await timeAsync(() => stringify(parse(t1k)), 7)
  const c1k = await timeAsync(() => compileText(t1k), 7)
  const c10k = await timeAsync(() => compileText(t10k), 3)
  return [
    {name: 'compile 1,000 steps vs yaml parse+write', ratio: c1k / base, target: 3, detail: `${fmt(c1k)} vs ${fmt(base)}`},
    {name: 'compile 10,000 steps vs 1,000 steps', ratio: c10k / c1k, target: 12, detail: `${fmt(c10k)} vs ${fmt(c1k)}`},
  ]
}
