/**
 * The fast SDK-style YAML writer (`renderSdkYaml`) against the original one, which built a yaml `Document` and
 * stringified it: the same bytes for every IR golden, every compiled test project and a few hundred generated specs
 * full of strings that YAML treats specially.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {Document, isMap, isScalar, isSeq, parse, parseAllDocuments, type Node, type Pair, type Scalar} from 'yaml'
import {compilePipeline, pythonFloat, renderPipelineYaml, renderSdkYaml} from '../../../src/core/compile/index.js'
import {parseProject} from '../../../src/core/project/load.js'
import {loadProject} from '../../../src/services/project/load.js'
import {generateProject} from '../../../bench/compile.js'
import {everythingProject, producerConsumerProject, resourceSpecProject, twoStepProject} from './projects.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const FIXTURES = path.resolve(HERE, '..', '..', 'fixtures')
const SHARED_GOLDEN = path.resolve(HERE, '..', '..', '..', '..', 'shared', 'kfp-reference', 'ir-golden')

// ---- The original writer, kept verbatim as the reference ----
const DOUBLE_KEYS = new Set(['defaultValue', 'constant', 'cpuLimit', 'cpuRequest', 'memoryLimit', 'memoryRequest', 'backoffFactor'])
const PY_FLOAT_FORMAT = 'PYFLOAT'
const pythonFloatTag = {
  identify: (v: unknown) => typeof v === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:float',
  format: PY_FLOAT_FORMAT,
  test: /(?!)/,
  resolve: (s: string) => Number(s),
  stringify: (item: {value: unknown}) => pythonFloat(item.value as number),
}
function markDoubles(node: unknown, inDouble: boolean): void {
  if (isScalar(node)) {
    if (inDouble && typeof node.value === 'number') (node as Scalar).format = PY_FLOAT_FORMAT
  } else if (isMap(node)) {
    for (const pair of node.items as Array<Pair<Scalar, Node>>) {
      markDoubles(pair.value, inDouble || DOUBLE_KEYS.has(String(pair.key?.value)))
    }
  } else if (isSeq(node)) {
    for (const item of node.items) markDoubles(item, inDouble)
  }
}
function referenceRender(value: unknown): string {
  const doc = new Document(value, {sortMapEntries: true, version: '1.1', customTags: [pythonFloatTag]})
  markDoubles(doc.contents, false)
  return doc.toString({lineWidth: 0, singleQuote: true, indentSeq: false})
}

/** Where the two outputs first differ, for a readable failure. */
function firstDifference(a: string, b: string): string {
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  const from = Math.max(0, a.lastIndexOf('\n', i - 1) - 200)
  return `at ${i}:\n--- fast\n${JSON.stringify(a.slice(from, i + 120))}\n--- reference\n${JSON.stringify(b.slice(from, i + 120))}`
}

function assertSame(value: unknown, what: string): void {
  const fast = renderSdkYaml(value)
  const reference = referenceRender(value)
  if (fast !== reference) assert.unreachable(`${what}: output differs ${firstDifference(fast, reference)}`)
}

// ---- A seeded generator of JSON-like specs with strings YAML treats specially ----
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const NASTY = [
  '', ' ', '  ', 'a: b', 'a:b', 'a:', ':a', 'a #b', 'a#b', '#a', '- a', '-a', '-', '--', '---', '--- a', '...', '... x', '?', '? a', '?a',
  '&a', '*a', '!a', '!!str', '|', '|-', '>', '>-', '%a', '%YAML 1.1', '@a', '`a`', "'", "'a'", '"', '"a"', `it's "x"`, "it's", 'say "hi"',
  '{a}', '[a]', 'a,b', 'a, b', '{{$.inputs.parameters[\'x\']}}', '{{$.outputs.parameters["y"].output_file}}', 'é', 'naïve ünïcödé', '日本語', '😀',
  'emoji 😀 x', 'trailing ', ' leading', '\ttab', 'tab\t', 'a\tb', 'a\n', '\na', 'a\nb', 'a\n\nb', 'a\n\n\nb', 'a \nb', 'a\n b', 'a\n\n', '\n', '\n\n',
  'line1\nline2\n', ' \n ', 'x\n---\ny', 'x\n...\n', 'x\n%y', '#!/bin/sh\nset -e\necho "$0" > "$1"\n', 'a\r\nb', 'bell\u0007', 'nul\u0000', '\u0085',
  '\u00a0', '\u2028', 'del\u007f', 'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'y', 'Y', 'n', 'N', 'true', 'True',
  'TRUE', 'false', 'False', 'null', 'Null', 'NULL', '~', '0755', '0o755', '0x1F', '0b101', '1e3', '1E3', '1.5e-3', '.5', '5.', '-.5', '+1', '-1',
  '1_000', '1:20', '1:20:30.5', '.inf', '-.inf', '.nan', '.NaN', '2024-01-01', '2024-01-01T10:00:00Z', '2024-1-1 1:02:03', '<<', '=', '3', '3.0',
  '-0', '0', 'plain', 'gs://bucket/path', 'localhost:5000/img:1', 'sh', '-c', 'python3 -m x --flag=1', 'a/b', 'C:\\path', 'back\\slash', '\\n',
  'x'.repeat(1100), `long ${'word '.repeat(60)}end`, 'exec-s1', 'comp-for-loop-2', 'pipelinechannel--x',
]
const KEYS = [
  'a', 'b', 'name', 'x', 'y', 'n', 'defaultValue', 'constant', 'cpuLimit', 'memoryRequest', 'backoffFactor', 'parameterType', 'yes', 'no',
  'on', 'null', '~', '1', '10', '2', '0755', 'a: b', '- a', '?', '', ' ', 'it\'s', 'say "hi"', 'é', 'k\nv', 'key ', '#k', 'x'.repeat(1030),
  '---k', '...k', '2024-01-01', 'a b', 'Zeta', '_under', 'b-a-r', 'A',
]
const NUMBERS = [0, 1, -1, 3, 2000, 0.5, -2.25, 1e-5, 1.5e-7, 1e16, 1e21, 123456789012345680000, 15.032385536, Number.MAX_SAFE_INTEGER, -0, Number.NaN, Number.POSITIVE_INFINITY]

function generateValue(next: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]
  const r = next()
  if (depth > 4 || r < 0.45) {
    const s = next()
    if (s < 0.55) {
      // Sometimes a composition of nasty pieces, so the generator finds combinations nobody listed.
      return next() < 0.7 ? pick(NASTY) : `${pick(NASTY)}${pick(['', ' ', '\n', ': ', ' #', "'", '"'])}${pick(NASTY)}`
    }
    if (s < 0.8) return pick(NUMBERS)
    if (s < 0.9) return next() < 0.5
    if (s < 0.97) return null
    return undefined
  }
  if (r < 0.7) {
    const n = Math.floor(next() * 5)
    return Array.from({length: n}, () => generateValue(next, depth + 1))
  }
  const obj: Record<string, unknown> = {}
  const n = Math.floor(next() * 6)
  for (let i = 0; i < n; i++) obj[next() < 0.6 ? pick(KEYS) : pick(NASTY)] = generateValue(next, depth + 1)
  return obj
}

function generateSpec(seed: number): Record<string, unknown> {
  const next = rng(seed)
  const spec: Record<string, unknown> = {}
  const n = 1 + Math.floor(next() * 6)
  for (let i = 0; i < n; i++) spec[KEYS[Math.floor(next() * KEYS.length)]] = generateValue(next, 0)
  return spec
}

// ---- Suites ----
const goldens = suite('renderSdkYaml: same bytes as the Document-based writer on IR goldens')

function irFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, {recursive: true, encoding: 'utf8'})
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => path.join(dir, f))
}

const goldenFiles = [...irFiles(path.join(FIXTURES, 'ir')), ...irFiles(SHARED_GOLDEN)]

goldens('the goldens are there to compare', () => {
  assert.ok(goldenFiles.length >= 10, `only ${goldenFiles.length} IR files found`)
})

for (const file of goldenFiles) {
  goldens(path.relative(path.resolve(HERE, '..', '..', '..', '..'), file), () => {
    // Given
    const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS())
    // When / Then
    for (const doc of docs) assertSame(doc, file)
  })
}

const compiled = suite('renderSdkYaml: same bytes as the Document-based writer on compiled projects')

for (const [name, make] of [
  ['producer-consumer', producerConsumerProject],
  ['two-step', twoStepProject],
  ['resource-spec', resourceSpecProject],
  ['every feature', everythingProject],
] as const) {
  compiled(name, () => {
    // Given
    const spec = compilePipeline(make(), {images: {}}).spec
    // When / Then
    assertSame(spec, name)
    assert.ok(renderPipelineYaml(spec).endsWith(referenceRender(spec)))
  })
}

compiled('babyweight fixture (fileOutputs wrapper scripts, multi-line strings)', async () => {
  // Given
  const project = await loadProject({cwd: path.join(FIXTURES, 'projects', 'babyweight')}, {env: {}})
  const spec = compilePipeline(project, {images: {}}).spec
  // When / Then
  assertSame(spec, 'babyweight')
})

compiled('a generated 200-step pipeline (the benchmark shape; long enough to be written in several chunks)', () => {
  // Given
  const component = `name: step
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
  const {project, issues} = parseProject({
    root: '/bench',
    file: 'kfp.yaml',
    text: generateProject(200),
    components: {step: {dir: 'components/step', file: 'components/step/component.yaml', text: component, hasDockerfile: false}},
  })
  assert.equal(issues, [])
  const spec = compilePipeline(project!, {images: {}}).spec
  // When / Then
  assertSame(spec, 'generated')
  assert.ok(renderSdkYaml(spec).length > 2 * 65536)
})

const generated = suite('renderSdkYaml: same bytes as the Document-based writer on generated specs with nasty strings')

generated('400 seeded random specs', () => {
  for (let seed = 1; seed <= 400; seed++) assertSame(generateSpec(seed), `seed ${seed}`)
})

generated('every nasty string as a map value, a list item, a key, a nested value and a double-typed value', () => {
  for (const s of NASTY) {
    assertSame({v: s}, JSON.stringify(s))
    assertSame({l: [s, s]}, JSON.stringify(s))
    assertSame({[s]: 1, z: 'after'}, `key ${JSON.stringify(s)}`)
    assertSame({a: {b: [{c: s, d: [[s]]}], e: s}, f: 'after'}, `nested ${JSON.stringify(s)}`)
    assertSame({defaultValue: {x: [s, 1, 2.5]}, constant: s}, `double ${JSON.stringify(s)}`)
    assertSame([s, [s], {k: s}], `root list ${JSON.stringify(s)}`)
  }
})

generated('numbers: integers as integers, doubles under double-typed keys as Python floats, odd values', () => {
  for (const n of NUMBERS) {
    assertSame({n, memoryLimit: n, l: [n], defaultValue: [n, {x: n}]}, String(n))
  }
})

generated('empty maps and lists, undefined entries, values that are not JSON', () => {
  assertSame({a: {}, b: [], c: [{}, []], d: {e: undefined, f: 1}, g: {h: undefined}, i: [undefined, null]}, 'empties')
  assertSame({big: 10n, when: new Date(0), m: new Map([['k', 'v']])}, 'not JSON')
  assertSame({}, 'empty root')
  assertSame([], 'empty root list')
  assertSame('just a string', 'scalar root')
})

generated('an object used twice is written as the library writes it (anchor and alias)', () => {
  // Given
  const shared = {parameterType: 'STRING'}
  const spec = {a: {x: shared}, b: [shared], c: 'multi\nline'}
  // When
  const text = renderSdkYaml(spec)
  // Then
  assert.is(text, referenceRender(spec))
  assert.match(text, /&a1/)
})

generated('the output reads back (YAML 1.1) as the value written', () => {
  for (let seed = 1000; seed < 1100; seed++) {
    // Given: a JSON spec (no undefined, NaN or -0), without the merge key `<<`, which the library writes plain
    const spec = JSON.parse(JSON.stringify(generateSpec(seed), (k, v) => (k === '<<' ? undefined : v === '<<' ? 'merge' : v)))
    // When
    const back = parse(renderSdkYaml(spec), {version: '1.1'})
    // Then
    assert.equal(back, spec, `seed ${seed}`)
  }
})

goldens.run()
compiled.run()
generated.run()
