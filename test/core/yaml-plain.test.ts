// core/yaml-safe.ts toJsSafely converts documents without anchors or aliases itself (plainValue) instead of the yaml
// library's toJS: the value must be exactly what toJS gives (same keys in the same order, same own properties, same
// types), for every YAML file of the repository's fixtures and the shared reference, fuzz mutations of them (seed 11), and
// the shapes plainValue leaves to toJS (YAML 1.1 !!omap/!!set/merge/timestamps, null and collection keys).
import {readFileSync} from 'node:fs'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {LineCounter, parseDocument} from 'yaml'
import {toJsSafely} from '../../src/core/yaml-safe.js'
import {mutateYaml, rng} from '../fuzz/generator.js'
import {shape, yamlCorpus} from '../helpers/yaml-corpus.js'

const Y = suite('toJsSafely = toJS')

/** toJsSafely's value against toJS on a second parse of the same text (toJsSafely rewrites unusual numbers first). */
function same(text: string, what: string): boolean {
  const parse = () => {
    const lines = new LineCounter()
    return {doc: parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: false, logLevel: 'silent'}), lines}
  }
  const a = parse()
  if (a.doc.errors.length) return false
  const ours = toJsSafely(a.doc, a.lines)
  if (!ours.ok) return false
  const b = parse()
  // The reference: the same rewrite of unusual numbers (toJsSafely without plainValue), then the library's toJS.
  toJsSafely(b.doc, b.lines)
  let theirs: unknown
  try {
    theirs = b.doc.toJS({maxAliasCount: 100})
  } catch {
    return false
  }
  assert.equal(shape(ours.value), shape(theirs), what)
  return true
}

const files = yamlCorpus()

Y(`every YAML file of the fixtures, templates and shared reference (${files.length}), and 8 mutations of each`, () => {
  assert.ok(files.length > 50, String(files.length))
  const r = rng(11)
  for (const f of files) {
    const text = readFileSync(f, 'utf8')
    same(text, f)
    for (let i = 0; i < 8; i++) {
      const m = mutateYaml(r, text)
      same(m.text, `${f}: ${m.what}`)
    }
  }
})

const edge: Array<[string, string]> = [
  ['prototype keys', 'constructor: 1\ntoString: x\n__proto__: {a: 1}\nhasOwnProperty: [1]\n'],
  ['scalar keys of every type', '1: a\n1.5: b\ntrue: c\n0x10: d\n.inf: e\n-0: f\n"2": g\n'],
  ['a null key and an empty key', '~: a\n: b\nnull: c\n'],
  ['collection keys', '? [a, b]\n: c\n{x: 1}: d\n'],
  ['a pair inside a flow sequence', 'a: [b: c, d]\n'],
  ['a merge key', 'base: {a: 1}\nx:\n  <<: {b: 2}\n  c: 3\n'],
  ['YAML 1.1 !!omap', '%YAML 1.1\n---\no: !!omap [a: 1, b: 2]\n'],
  ['YAML 1.1 !!set', '%YAML 1.1\n---\ns: !!set {a, b}\n'],
  ['YAML 1.1 timestamp', '%YAML 1.1\n---\nt: 2001-12-14\n'],
  ['YAML 1.1 !!binary', '%YAML 1.1\n---\nb: !!binary aGVsbG8=\n'],
  ['YAML 1.1 merge key', '%YAML 1.1\n---\nm:\n  <<: {k: 1}\n  j: 2\n'],
  ['YAML 1.1 booleans', '%YAML 1.1\n---\ny: yes\nn: off\n'],
  ['anchors and aliases', 'a: &x {b: 1}\nc: *x\n'],
  ['an empty document and a comment only', ''],
  ['a comment only', '# nothing\n'],
  ['unusual numbers', 'h: 0x1F\no: 0o17\ne: 1e400\nn: .nan\ni: -.inf\nbig: 99999999999999999999\nu: 1_000\n'],
  ['block scalars and quoting', 'a: |\n  x\n  y\nb: >-\n  p\n  q\nc: "es\\tc"\nd: \'q\'\'q\'\ne:\nf: [~, null, "", {}]\n'],
  ['repeated keys (last wins in toJS)', 'a: 1\n"a": 2\n1: x\n"1": y\n'],
  ['unknown tags', 'a: !foo x\nb: !!str 1\nc: !bar {x: 1}\nd: !!int "3"\n'],
  ['20,000 params', `params:\n${Array.from({length: 20_000}, (_, i) => `  p${i}: {type: integer, default: ${i}}`).join('\n')}\n`],
]
for (const [name, text] of edge) Y(name, () => assert.ok(same(text, name), 'not compared: the document did not parse'))

Y.run()
