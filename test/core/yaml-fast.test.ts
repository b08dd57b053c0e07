// core/yaml-fast.ts reads plain YAML with js-yaml instead of the `yaml` package (core/project/yaml-doc.ts
// parseYamlFile). Its contract: when it answers, the `yaml` package's read of the same text (parseYamlFileExactly:
// parseDocument, duplicate keys, `{{ }}` without `$`, toJsSafely) has no error and no warning and gives the same value,
// with the same keys in the same order, the same own properties and the same number types; otherwise it declines.
// Checked on every YAML file of the fixtures, templates and shared reference, seeded mutations of each (the fuzz
// generator's and syntax-level ones), random small documents, and the constructs it must decline. Then: the project
// model of a file read fast parses no `yaml` Document until a position is read, and issues are those of the `yaml` read.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parseProject} from '../../src/core/project/load.js'
import {howRead, parseYamlFile, parseYamlFileExactly} from '../../src/core/project/yaml-doc.js'
import {plainYamlValue} from '../../src/core/yaml-fast.js'
import {mutateYaml, rng} from '../fuzz/generator.js'
import {repoRoot} from '../helpers/cli.js'
import {shape, yamlCorpus} from '../helpers/yaml-corpus.js'
import {probeModules} from '../helpers/module-probe.js'
import {mutateSyntax, randomDoc} from '../helpers/yaml-syntax-fuzz.js'

const F = suite('fast YAML read = the yaml package')

/** `f()` with the warnings it emits (the yaml package's go to process.emitWarning) collected instead of printed. */
function quiet<T>(f: () => T): {value: T; warnings: unknown[]} {
  const warnings: unknown[] = []
  const emit = process.emitWarning
  process.emitWarning = ((w: unknown) => warnings.push(w)) as typeof process.emitWarning
  try {
    return {value: f(), warnings}
  } finally {
    process.emitWarning = emit
  }
}

/** The `yaml` package's read: its value, or why there is none (an issue or a warning). */
function exact(text: string): {value?: unknown; why?: string} {
  const {value: r, warnings} = quiet(() => parseYamlFileExactly('f.yaml', text))
  if (!r.yaml) return {why: r.issues[0].message}
  if (r.yaml.doc.warnings.length) return {why: `warning: ${r.yaml.doc.warnings[0].message}`}
  if (warnings.length) return {why: `warning: ${String(warnings[0])}`}
  return {value: r.yaml.data}
}

/** Checks parseYamlFile on one text against the yaml package's read; true when it read the text fast. */
function check(text: string, what: string): boolean {
  const r = quiet(() => parseYamlFile('f.yaml', text)).value
  if (!r.yaml || howRead(r.yaml) === 'yaml') return false
  const fast = r.yaml.data
  const e = exact(text)
  if (e.why !== undefined) assert.unreachable(`${what}: read fast, but the yaml package says: ${e.why}\n${JSON.stringify(text.slice(0, 400))}`)
  assert.equal(shape(fast), shape(e.value), `${what}: the values differ`)
  return true
}

const files = yamlCorpus()

F(`every YAML file of the fixtures, templates and shared reference (${files.length}), and 8 mutations of each`, () => {
  assert.ok(files.length > 50, String(files.length))
  const r = rng(12)
  let n = 0
  let read = 0
  for (const f of files) {
    const text = readFileSync(f, 'utf8')
    const cases = [{what: 'as is', text}, ...Array.from({length: 8}, (_, i) => (i % 2 === 0 ? mutateYaml(r, text) : mutateSyntax(r, text)))]
    for (const c of cases) {
      n++
      if (check(c.text, `${path.relative(repoRoot, f)}: ${c.what}`)) read++
    }
  }
  // A reader that declines everything would pass the checks above: most of these files are plain.
  assert.ok(read > n * 0.4, `read fast: ${read} of ${n}`)
})

F('10,000 random small documents', () => {
  const r = rng(7)
  let read = 0
  for (let i = 0; i < 10_000; i++) if (check(randomDoc(r), `random document ${i}`)) read++
  assert.ok(read > 1000, `read fast: ${read} of 10000`)
})

// What the fast read must leave to the yaml package (each would give another value, or no error where there is one).
const declined: Array<[string, string]> = [
  ['a hex number (the yaml package keeps its text, and 0x10 and 16 are one key there)', 'a: 0x10\n'],
  ['an octal number', 'a: 0o17\n'],
  ['a number too large for a double', 'a: 1e400\n'],
  ['0x10 and 16 as keys of one mapping (a duplicate for the yaml package)', '0x10: a\n16: b\n'],
  ['a null key', '~: a\n'],
  ['an empty key', '"": a\n'],
  ['a merge key', 'a: {b: 1}\nc:\n  <<: {d: 2}\n'],
  ['an anchor', 'a: &x 1\n'],
  ['an alias', 'a: 1\nb: *x\n'],
  ['a tag', 'a: !!str 1\n'],
  ['a non-specific tag', 'a: ! 1\n'],
  ['a flow mapping as a key', '{a: 1}: b\n'],
  ['a flow mapping as a key inside a flow mapping', 'a: {{b: 1}}\n'],
  ['a flow sequence as a key inside a flow mapping', 'a: {x: 1, [b]}\n'],
  ['an explicit key', '? a\n: b\n'],
  ['a %YAML 1.1 directive (another schema)', '%YAML 1.1\n---\na: yes\n'],
  ['a document marker', '---\na: 1\n'],
  ['two documents', 'a: 1\n---\nb: 2\n'],
  ['a tab', 'a:\n\tb: 1\n'],
  ['CRLF line ends', 'a: 1\r\nb: 2\r\n'],
  ['a BOM', '\ufeffa: 1\n'],
  ['a control character', 'a: "x\u0001"\n'],
  ['a lone surrogate', 'a: x\ud800\n'],
  ['a comment right after a flow collection', 'a: [b]#c\n'],
  ['a comment right after a quoted scalar', "a: 'b'#c\n"],
  ['a comment right after [', 'a: [#c\n  b]\n'],
  ['an escaped line break before a blank line', 'a: "x\\\n \n  y"\n'],
  ['a block scalar keeping trailing lines', 'a: |+\n  x\n\n'],
  ['a block scalar with an indentation indicator', 'a: |2\n   x\n'],
  ['an empty sequence entry (js-yaml reads the next line into it)', 'a:\n  b:\n    -\n  - - x\n'],
  ['an implicit key longer than 1024 characters', `${'k'.repeat(1030)}: v\n`],
  ['a duplicate key', 'a: 1\na: 2\n'],
  ['1 and "1" as keys of one mapping', '1: a\n"1": b\n'],
  ['a syntax error', 'a: [b\n'],
  ['nesting deeper than 100 levels', `a: ${'['.repeat(120)}${']'.repeat(120)}\n`],
  ['a sequence at the top', '- a\n'],
  ['a scalar at the top', 'a\n'],
  ['an empty document', ''],
]
for (const [name, text] of declined) {
  F(`declined: ${name}`, () => assert.is(plainYamlValue(text), undefined))
}

// What it reads: the usual shapes of kfp.yaml and component.yaml, with the values the yaml package gives.
const accepted: Array<[string, string]> = [
  ['numbers, booleans and nulls of the core schema', 'i: -12\nf: 1.50\ne: 1e3\nd: .5\nz: -0\ninf: -.inf\nnan: .NaN\nt: True\nf2: FALSE\nn: ~\nn2: Null\ne2:\ny: yes\no: on\ns: 1_000\nb: 0b101\nx: 0X1F\n'],
  ['quoted scalars and escapes', 'a: "\\x41\\u00e9\\t\\"q\\""\nb: \'it\'\'s\'\nc: "multi\n  line"\nd: "${{ params.x }}"\n'],
  ['block scalars', 'a: |\n  x\n  y\nb: >-\n  p\n  q\n\n  r\nc: |-\n  z\n'],
  ['flow and block collections', 'a: [1, b, {c: d}]\nb: {x: [1, 2], y: {}}\nc:\n  - n: 1\n  - [a, b]\nd: []\n'],
  ['prototype names as keys', 'constructor: 1\ntoString: x\n__proto__: {a: 1}\nhasOwnProperty: [1]\n'],
  ['scalar keys of every type', '1: a\n1.5: b\ntrue: c\n.inf: e\n-0: f\n"2": g\n'],
  ['a kfp.yaml', readFileSync(path.join(repoRoot, 'test', 'fixtures', 'projects', 'babyweight', 'kfp.yaml'), 'utf8')],
  ['20,000 params', `params:\n${Array.from({length: 20_000}, (_, i) => `  p${i}: {type: integer, default: ${i}}`).join('\n')}\n`],
]
for (const [name, text] of accepted) F(`read fast: ${name}`, () => assert.ok(check(text, name), 'declined'))

const P = suite('project positions from a fast read')
const component = 'name: s\ninputs:\n- {name: x, type: Integer}\nimplementation:\n  container:\n    image: busybox\n    command: [sh, -c, echo, {inputValue: x}]\n'
const kfpYaml = (ref: string) => `name: p\nparams:\n  a: 1\n  b: {type: integer, default: 2}\nsteps:\n  - group: g\n    steps:\n      - name: s\n        inputs: {x: "\${{ params.${ref} }}"}\n`
const source = (text: string) => ({root: '/p', file: '/p/kfp.yaml', text, components: {s: {dir: 'components/s', file: '/p/components/s/component.yaml', text: component, hasDockerfile: false}}})

P('a valid project parses no yaml Document; reading a position parses it, at the yaml package positions', () => {
  const parsed = parseYamlFile('/p/kfp.yaml', kfpYaml('b'))
  const {project, issues} = parseProject({...source(kfpYaml('b')), parsed})
  assert.equal(issues, [])
  assert.is(howRead(parsed.yaml!), 'fast')
  assert.equal({...project!.params[1].pos}, {file: '/p/kfp.yaml', line: 4, col: 3})
  assert.is(howRead(parsed.yaml!), 'fast, then yaml')
  assert.equal({...project!.steps[0].pos}, {file: '/p/kfp.yaml', line: 8, col: 9})
  assert.equal({...project!.groups!.g.pos}, {file: '/p/kfp.yaml', line: 6, col: 5})
  assert.is(howRead(parseYamlFile('/p/kfp.yaml', 'a: 0x10\n').yaml!), 'yaml')
})

P('issues of a project read fast are those of the yaml read', () => {
  const text = kfpYaml('nope')
  const fast = parseProject(source(text))
  const slow = parseProject({...source(text), parsed: parseYamlFileExactly('/p/kfp.yaml', text)})
  assert.ok(fast.issues.length > 0)
  assert.equal(fast.issues, slow.issues)
  assert.is(fast.issues[0].line, 9)
})

P('js-yaml loads when a file is read, not when the project modules are imported (kfp start-up stays light)', () => {
  const r = probeModules(
    'js-yaml',
    `const {parseYamlFile} = await import('./src/core/project/yaml-doc.ts')
await import('./src/core/project/load.ts')
await mark('imported')
parseYamlFile('kfp.yaml', 'name: p\\n')
await mark('read')`,
  )
  assert.equal(r, {marks: {imported: false, read: true}, modules: true})
})

P("the yaml package loads for a Document only: not for a plain kfp.yaml read fast, yes for a position or an error", () => {
  const r = probeModules(
    'yaml',
    `const {parseYamlFile, positionOf} = await import('./src/core/project/yaml-doc.ts')
const {parseProject} = await import('./src/core/project/load.ts')
await import('./src/core/yaml-safe.ts')
await mark('imported')
const text = 'name: p\\nparams:\\n  x: {type: string, default: hi}\\nsteps:\\n  - name: a\\n    inputs: {x: "\${{ params.x }}"}\\n'
const c = {text: 'name: a\\ninputs:\\n- {name: x, type: String}\\nimplementation:\\n  container: {image: i, command: [sh, -c, echo, {inputValue: x}]}\\n'}
const p = parseProject({root: '/p', file: 'kfp.yaml', text, components: {a: {dir: 'components/a', file: 'components/a/component.yaml', hasDockerfile: false, ...c}}})
if (p.issues.length || !p.project) throw new Error(JSON.stringify(p.issues))
await mark('valid project')
const y = parseYamlFile('kfp.yaml', text).yaml
if (positionOf(y, ['params', 'x']).line !== 3) throw new Error('position')
await mark('position')`,
  )
  assert.equal(r, {marks: {imported: false, 'valid project': false, position: true}, modules: true})
  const bad = probeModules('yaml', `const {parseYamlFile} = await import('./src/core/project/yaml-doc.ts')
const r = parseYamlFile('kfp.yaml', 'name: [p\\n')
if (r.issues[0]?.line !== 2) throw new Error(JSON.stringify(r.issues))
await mark('error')`)
  assert.equal(bad.marks, {error: true})
})

F.run()
P.run()
