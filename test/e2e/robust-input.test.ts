// Issue 11 points 13 and 14: hostile or odd input is a located usage or config error, never exit 1 or a stack
// trace: user names that are Object.prototype members, YAML alias bombs, unresolved aliases, absurd nesting (in
// kfp.yaml, component.yaml and --params-file), NUL bytes, values over the OS argument limit, 0x10 and 1e400 for
// numbers, empty --start-step/--from-run. The built CLI; needs `npm run build`.
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {tmpdir} from '../helpers/tmp.js'

const KFP_YAML = `name: odd
params:
  year: {type: integer, default: 2000}
  note: {type: string, default: hi}
steps:
  - name: prep
    inputs: {year: "\${{ params.year }}", note: "\${{ params.note }}"}
`
const COMPONENTS = {prep: {inputs: ['year', 'note'], outputs: ['out'], script: 'test "$1" != 13 || { echo "unlucky year" >&2; exit 3; }; echo "$1" > "$3"'}}

let tmp: {dir: string; cleanup: () => Promise<void>}
const T = suite('bad input: names, YAML, parameter values')
T.before.each(async () => {
  tmp = await tmpdir('kfp-odd-')
  writeMiniProject(tmp.dir, KFP_YAML, COMPONENTS)
})
T.after.each(async () => {
  await tmp.cleanup()
})

const cli = (args: string[]) => runCli(args, {cwd: tmp.dir})
function noCrash(r: {code: number | null; stderr: string}) {
  assert.not.match(r.stderr, /bug in kfp|call stack|    at /, r.stderr)
}

/** An alias bomb: 9 levels of 9 aliases each. */
function bomb(key: string): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]']
  for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`)
  return `${lines.join('\n')}\n${key}: *a8\n`
}
const deep = (key: string) => `${key}: ${'['.repeat(3000)}${']'.repeat(3000)}\n`

T('kfp.yaml and component.yaml: alias bombs, unresolved aliases and 3,000-deep nesting are located errors (exit 3)', async () => {
  for (const [text, expect] of [
    [bomb('name'), /^Error: kfp\.yaml:2:\d+: aliases expand to too much data/],
    ['name: *nope\nsteps: []\n', /^Error: kfp\.yaml:1:7: unresolved alias \*nope: no anchor &nope before it/],
    [deep('steps'), /^Error: kfp\.yaml:1:\d+: YAML nested too deeply\n/],
  ] as const) {
    writeFileSync(path.join(tmp.dir, 'kfp.yaml'), text)
    const r = await cli(['validate'])
    assert.is(r.code, 3, r.stderr)
    assert.match(r.stderr, expect)
    noCrash(r)
  }
  writeFileSync(path.join(tmp.dir, 'kfp.yaml'), KFP_YAML)
  writeFileSync(path.join(tmp.dir, 'components', 'prep', 'component.yaml'), bomb('description'))
  const c = await cli(['validate'])
  assert.is(c.code, 3, c.stderr)
  assert.match(c.stderr, /components\/prep\/component\.yaml:2:\d+: aliases expand to too much data/)
  noCrash(c)
})

T('--params-file: the same YAML problems are located usage errors (exit 2)', async () => {
  for (const [text, expect] of [
    [bomb('note'), /^Error: p\.yaml:2:\d+: aliases expand to too much data/],
    ['note: *nope\n', /^Error: p\.yaml:1:7: unresolved alias \*nope/],
    [deep('note'), /^Error: p\.yaml:1:\d+: YAML nested too deeply/],
  ] as const) {
    writeFileSync(path.join(tmp.dir, 'p.yaml'), text)
    const r = await cli(['run', '--runner', 'process', '--params-file', 'p.yaml'])
    assert.is(r.code, 2, r.stderr)
    assert.match(r.stderr, expect)
    noCrash(r)
  }
})

T('names that are Object.prototype members: unknown parameters, reserved __proto__, unknown default target', async () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    const r = await cli(['run', '--runner', 'process', '--param', `${name}=1`])
    assert.is(r.code, 2, `${name}: ${r.stderr}`)
    assert.match(r.stderr, `Unknown parameter '${name}'.`)
  }
  writeFileSync(path.join(tmp.dir, 'p.yaml'), 'toString: 1\n')
  const f = await cli(['run', '--runner', 'process', '--params-file', 'p.yaml'])
  assert.is(f.code, 2, f.stderr)
  assert.match(f.stderr, "p.yaml:1:1: Unknown parameter 'toString'.")
  writeFileSync(path.join(tmp.dir, 'kfp.yaml'), KFP_YAML.replace('params:\n', 'params:\n  __proto__: {type: string, default: x}\n'))
  const proto = await cli(['validate'])
  assert.is(proto.code, 3, proto.stderr)
  assert.match(proto.stderr, "kfp.yaml:3:3: param name '__proto__' is reserved")
  writeFileSync(path.join(tmp.dir, 'kfp.yaml'), KFP_YAML + 'defaultTarget: constructor\n')
  const target = await cli(['validate'])
  assert.is(target.code, 3, target.stderr)
  assert.match(target.stderr, "unknown target 'constructor'")
})

T('parameter values: NUL byte, over the argument limit, 0x10, 1e400 are usage errors (exit 2) before anything runs', async () => {
  const cases: Array<[string, RegExp]> = [
    ['note: "a\\0b"\n', /Parameter 'note' \(string\): the value contains a NUL byte/],
    [`note: ${'x'.repeat(200_000)}\n`, /Parameter 'note' \(string\): the value is 195 KiB; a step's argument can hold at most 128 KiB/],
    ['year: 0x10\n', /Parameter 'year' \(integer\): '0x10' is not an integer/],
    ['year: 1e400\n', /Parameter 'year' \(integer\): '1e400' is not an integer/],
  ]
  for (const [text, expect] of cases) {
    writeFileSync(path.join(tmp.dir, 'p.yaml'), text)
    const r = await cli(['run', '--runner', 'process', '--params-file', 'p.yaml'])
    assert.is(r.code, 2, r.stderr)
    assert.match(r.stderr, expect)
    assert.not.match(r.stderr, 'started')
  }
  const hex = await cli(['run', '--runner', 'process', '--param', 'year=0x10'])
  assert.is(hex.code, 2)
})

T('--start-step "" and --from-run "" are usage errors with a hint', async () => {
  for (const [args, flag] of [[['--start-step', ''], '--start-step'], [['--start-step', '1', '--from-run', ' '], '--from-run']] as const) {
    const r = await cli(['run', '--runner', 'process', ...args])
    assert.is(r.code, 2, r.stderr)
    assert.match(r.stderr, `Error: ${flag} is empty.`)
    assert.match(r.stderr, 'Try this:')
  }
})

T('the resume command of a failed run does not repeat a long parameter value: it points at a params file', async () => {
  const long = 'z'.repeat(50_000)
  const r = await cli(['run', '--runner', 'process', '--param', 'year=13', '--param', `note=${long}`])
  assert.is(r.code, 7, r.stderr.slice(0, 500))
  const line = r.stderr.split('\n').find((l) => l.includes('kfp run --start-step'))!
  assert.ok(line.length < 300, line.slice(0, 400))
  const m = /--params-file (\S+)/.exec(line)!
  assert.ok(m, line)
  assert.match(line, '--param year=13')
  // And the command works: it reruns the step with the same values
  const again = await cli(line.trim().split(' ').slice(1).concat(['--param', 'year=14']))
  assert.is(again.code, 0, again.stderr.slice(0, 500))
})

T.run()
