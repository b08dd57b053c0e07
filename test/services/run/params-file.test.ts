// --params-file is read like kfp.yaml: a plain mapping by js-yaml (core/yaml-fast.ts), anything else by the `yaml`
// package, which also locates every key and error. The fast read must change nothing a user sees: the same values,
// the same file:line:col for a key, the same errors. Checked on every YAML file of the fixtures, templates and shared
// reference, mutations of each and random small documents (as test/core/yaml-fast.test.ts does for kfp.yaml). And the
// exact read, which skips the yaml package's quadratic duplicate-key check where no key repeats, answers as that check.
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {LineCounter, parseDocument} from 'yaml'
import {toJsSafely, yamlErrorText} from '../../../src/core/yaml-safe.js'
import {paramsFromText, paramsFromTextExactly, readParamsFile, type ParamsFile} from '../../../src/services/run/params-file.js'
import {mutateYaml, rng} from '../../fuzz/generator.js'
import {repoRoot} from '../../helpers/cli.js'
import {probeModules} from '../../helpers/module-probe.js'
import {shape, yamlCorpus} from '../../helpers/yaml-corpus.js'
import {mutateSyntax, randomDoc} from '../../helpers/yaml-syntax-fuzz.js'

const P = suite('--params-file: fast read = the yaml package')

/** What a user can see of a read: the values and every key's origin, or the error. */
function seen(read: () => ParamsFile): unknown {
  const emit = process.emitWarning
  process.emitWarning = (() => {}) as typeof process.emitWarning
  try {
    const r = read()
    return {values: shape(r.values), origins: [...Object.keys(r.values), 'not-a-key'].map((k) => r.origin(k))}
  } catch (err) {
    const e = err as {kfpCode?: string; message: string; exitCode?: number; hints?: string[]}
    return {error: [e.kfpCode, e.exitCode, e.message, e.hints]}
  } finally {
    process.emitWarning = emit
  }
}

function same(text: string, what: string): void {
  assert.equal(seen(() => paramsFromText('p.yaml', text)), seen(() => paramsFromTextExactly('p.yaml', text)), what)
}

P('every YAML file of the fixtures, templates and shared reference, and 2 mutations of each', () => {
  const files = yamlCorpus()
  assert.ok(files.length > 50, String(files.length))
  const r = rng(5)
  for (const f of files) {
    const text = readFileSync(f, 'utf8')
    same(text, path.relative(repoRoot, f))
    for (let i = 0; i < 2; i++) {
      const c = i % 2 === 0 ? mutateYaml(r, text) : mutateSyntax(r, text)
      same(c.text, `${path.relative(repoRoot, f)}: ${c.what}`)
    }
  }
})

P('1,000 random small documents', () => {
  const r = rng(11)
  for (let i = 0; i < 1000; i++) same(randomDoc(r), `random document ${i}`)
})

/** The `yaml` package's own read with its duplicate-key check (what paramsFromTextExactly must answer as). */
function reference(text: string): unknown {
  const lines = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: true})
  if (doc.errors.length) {
    const pos = lines.linePos(doc.errors[0].pos[0])
    return {error: `p.yaml:${pos.line}:${pos.col}: ${yamlErrorText(doc.errors[0].message)}`}
  }
  const js = toJsSafely(doc, lines)
  if (!js.ok) return {error: `p.yaml:${js.problem.line}:${js.problem.col}: ${js.problem.message}`}
  const v = js.value ?? {}
  return typeof v === 'object' && !Array.isArray(v) ? {value: shape(v)} : {error: 'p.yaml must hold a mapping of parameter names to values.'}
}

function asReference(text: string, what: string): void {
  const want = reference(text) as {error?: string; value?: unknown}
  const got = seen(() => paramsFromTextExactly('p.yaml', text)) as {error?: unknown[]; values?: unknown}
  if (want.error) assert.is(got.error?.[2], want.error, what)
  else assert.equal(got.values, want.value, what)
}

P('the exact read answers as the yaml package with its duplicate-key check, CRLF and LF, on the corpus and a mutation of each', () => {
  const r = rng(9)
  for (const [i, f] of yamlCorpus().entries()) {
    const text = readFileSync(f, 'utf8')
    for (const t of [text, (i % 2 ? mutateYaml(r, text) : mutateSyntax(r, text)).text]) {
      asReference(t, path.relative(repoRoot, f))
      asReference(t.replaceAll('\n', '\r\n'), `${path.relative(repoRoot, f)} (CRLF)`)
    }
  }
  for (let i = 0; i < 500; i++) asReference(randomDoc(r), `random document ${i}`)
  // Two repeated keys: the first in the document is reported, the inner one here.
  for (const eol of ['\n', '\r\n']) asReference(['a:', '  x: 1', '  x: 2', 'b: 1', 'b: 2', ''].join(eol), `nested duplicates (${JSON.stringify(eol)})`)
  assert.equal(reference('a:\r\n  x: 1\r\n  x: 2\r\nb: 1\r\nb: 2\r\n'), reference('a:\r\n  x: 1\r\n  x: 2\r\n'))
})

P('the messages users see, from either read', () => {
  const err = (text: string) => (seen(() => paramsFromText('p.yaml', text)) as {error: unknown[]}).error
  assert.equal(err('a: 1\na: 2\n').slice(0, 3), ['YAML_SYNTAX', 2, 'p.yaml:2:1: Map keys must be unique'])
  assert.equal(err('a: [1\n')[2], 'p.yaml:2:1: Flow sequence in block collection must be sufficiently indented and end with a ]')
  assert.equal(err('- 1\n').slice(0, 3), ['PARAM_INVALID', 2, 'p.yaml must hold a mapping of parameter names to values.'])
  const ok = paramsFromText('p.yaml', '# years\nstartYear: 2001\nname: "x"\n')
  assert.equal(ok.values, {startYear: 2001, name: 'x'})
  assert.is(ok.origin('name'), 'p.yaml:3:1')
  assert.is(ok.origin('nope'), 'p.yaml')
  assert.equal(paramsFromText('p.json', '{"startYear": 2001, "tags": ["a"]}').values, {startYear: 2001, tags: ['a']})
})

P('a plain params file does not load the yaml package; a key located for a message does', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kfp-params-'))
  try {
    writeFileSync(path.join(dir, 'p.yaml'), `startYear: 2001\n${Array.from({length: 200}, (_, i) => `p${i}: ${i}`).join('\n')}\n`)
    const r = probeModules(
      'yaml',
      `const {readParamsFile} = await import('./src/services/run/params-file.ts')
const p = await readParamsFile('p.yaml', ${JSON.stringify(dir)})
if (p.values.p199 !== 199) throw new Error(JSON.stringify(p.values))
await mark('read')
if (p.origin('p199') !== 'p.yaml:201:1') throw new Error(p.origin('p199'))
await mark('located')`,
    )
    assert.equal(r, {marks: {read: false, located: true}, modules: true})
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

P('a missing file: a usage error naming it', async () => {
  try {
    await readParamsFile('nope.yaml', os.tmpdir())
    assert.unreachable()
  } catch (err) {
    assert.is((err as Error).message, 'No params file at nope.yaml.')
    assert.is((err as {exitCode: number}).exitCode, 2)
  }
})

P.run()
