import {cp, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {repoRoot, runCli} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

// kfp.yaml mistakes as a user makes them, seen through `kfp validate` on the built CLI.
const fixture = path.join(repoRoot, 'test', 'fixtures', 'projects', 'babyweight')
const s = suite('kfp.yaml edge cases')
let dir: string
let cleanup: () => Promise<void>
let original: string
s.before(async () => {
  ;({dir, cleanup} = await tmpdir())
  await cp(fixture, dir, {recursive: true})
  original = await readFile(path.join(dir, 'kfp.yaml'), 'utf8')
})
s.after(() => cleanup())

async function validate(edit: (t: string) => string) {
  const text = edit(original)
  assert.is.not(text, original, 'the edit changed nothing')
  await writeFile(path.join(dir, 'kfp.yaml'), text)
  return runCli(['validate'], {cwd: dir})
}

s('a renamed step: the references are what to rename, with the reference to write', async () => {
  // Given step preprocess renamed to prep (its component folder stays components/preprocess)
  const r = await validate((t) => t.replace('  - name: preprocess\n', '  - name: prep\n    component: preprocess\n'))
  // Then
  assert.is(r.code, 3)
  assert.match(r.stderr, "kfp.yaml:21:15: step 'hypertrain': input 'bucket': unknown step 'preprocess' — did you mean 'prep'?")
  assert.match(r.stderr, "Step 'prep' runs components/preprocess: if it was renamed from 'preprocess', rename the reference too: ${{ steps.prep.outputs.bucket }}.")
  assert.not.match(r.stderr, /rename (the )?step 'prep'/)
})

s('{{ params.x }} without $: did you mean ${{ params.x }}, quoted or not, and no Node warning', async () => {
  for (const value of ['{{ params.startYear }}', '"{{ params.startYear }}"']) {
    const r = await validate((t) => t.replace('start_year: ${{ params.startYear }}', `start_year: ${value}`))
    assert.is(r.code, 3, r.stderr)
    assert.match(r.stderr, "'{{ params.startYear }}' is missing its '$': did you mean ${{ params.startYear }}?")
    assert.match(r.stderr, /^Error: kfp\.yaml:16:\d+: /)
    assert.not.match(r.stderr, /Warning|node:|stringified/)
  }
})

s('one tab gives one error, at the tab, saying to indent with spaces', async () => {
  const r = await validate((t) => t.replace('  - name: hypertrain\n    inputs:', '  - name: hypertrain\n\tinputs:'))
  assert.is(r.code, 3)
  assert.equal(r.stderr.split('\n').filter((l) => /^kfp\.yaml:\d+:\d+:|^Error: kfp\.yaml:\d+/.test(l)).length, 1, r.stderr)
  assert.match(r.stderr, 'kfp.yaml:19:1: YAML syntax error: tabs are not allowed as indentation')
  assert.match(r.stderr, 'Indent with spaces: YAML does not allow tabs.')
})

s.run()
