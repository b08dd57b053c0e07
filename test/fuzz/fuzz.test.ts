// Issue 11's fuzz pass, deterministic (seed FUZZ_SEED, default 11; FUZZ_CASES cases, default 300): mutated kfp.yaml
// and component.yaml texts through the project loader and the compiler, parameter values through the run's
// parameter resolution, a few of each through the built CLI, and runs killed at random moments followed by the
// commands that read them. Never a crash (an exception that is not a CliError), never exit 1, never a stack trace,
// never a hang. Needs `npm run build` for the CLI part.
import {spawn} from 'node:child_process'
import {readFileSync, readdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {compilePipeline} from '../../src/core/compile/pipeline.js'
import {resolveRunParams} from '../../src/core/engine/params.js'
import {parseProject, type ComponentSource} from '../../src/core/project/load.js'
import {isCliError} from '../../src/lib/errors.js'
import {binPath, repoRoot, runCli} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {tmpdir} from '../helpers/tmp.js'
import {mutateYaml, paramCase, rng} from './generator.js'

const SEED = Number(process.env.FUZZ_SEED ?? 11)
const CASES = Number(process.env.FUZZ_CASES ?? 300)
const FIX = path.join(repoRoot, 'test', 'fixtures', 'projects', 'babyweight')
const kfpYaml = readFileSync(path.join(FIX, 'kfp.yaml'), 'utf8')
const componentNames = readdirSync(path.join(FIX, 'components'))
const componentTexts = Object.fromEntries(componentNames.map((c) => [c, readFileSync(path.join(FIX, 'components', c, 'component.yaml'), 'utf8')]))

function sources(texts: Record<string, string>): Record<string, ComponentSource> {
  return Object.fromEntries(Object.entries(texts).map(([c, text]) => [c, {dir: `components/${c}`, file: `components/${c}/component.yaml`, text, hasDockerfile: true}]))
}

/** Runs `fn`; an exception other than a CliError, or a run longer than 5 s, fails the case. */
function survive(what: string, fn: () => void): void {
  const t0 = Date.now()
  try {
    fn()
  } catch (err) {
    if (!isCliError(err)) assert.unreachable(`${what}: crashed with ${(err as Error).stack?.split('\n').slice(0, 3).join(' | ')}`)
    assert.not.equal((err as {exitCode: number}).exitCode, 1, `${what}: exit 1`)
  }
  assert.ok(Date.now() - t0 < 5000, `${what}: took ${Date.now() - t0} ms`)
}

const F = suite(`fuzz (seed ${SEED}, ${CASES} cases)`)

F('mutated project files: the loader and the compiler answer with issues or a pipeline, never a crash', () => {
  const r = rng(SEED)
  const defs = {
    project: {parameterType: 'STRING'},
    startYear: {parameterType: 'NUMBER_INTEGER', defaultValue: 2000},
    rate: {parameterType: 'NUMBER_DOUBLE', isOptional: true},
    flag: {parameterType: 'BOOLEAN', isOptional: true},
    items: {parameterType: 'LIST', isOptional: true},
    conf: {parameterType: 'STRUCT', isOptional: true},
  } as const
  for (let k = 0; k < CASES; k++) {
    const kind = r()
    if (kind < 0.55) {
      let m = mutateYaml(r, kfpYaml)
      if (r() < 0.3) m = {...mutateYaml(r, m.text), what: `${m.what}; ${mutateYaml(r, m.text).what}`}
      survive(`case ${k} kfp.yaml ${m.what}`, () => {
        const res = parseProject({root: '/p', file: 'kfp.yaml', text: m.text, components: sources(componentTexts)})
        if (res.project) compilePipeline(res.project, {images: {}} as never)
        else assert.ok(res.issues.every((i) => i.line >= 1 && i.col >= 1 && i.message), `case ${k}: an issue without a place`)
      })
    } else if (kind < 0.8) {
      const c = componentNames[Math.floor(r() * componentNames.length)]
      const m = mutateYaml(r, componentTexts[c])
      survive(`case ${k} ${c}/component.yaml ${m.what}`, () => {
        const res = parseProject({root: '/p', file: 'kfp.yaml', text: kfpYaml, components: sources({...componentTexts, [c]: m.text})})
        if (res.project) compilePipeline(res.project, {images: {}} as never)
      })
    } else {
      const flags = Array.from({length: 1 + Math.floor(r() * 3)}, () => paramCase(r, Object.keys(defs)))
      survive(`case ${k} ${flags.map((f) => f.what).join(' ')}`, () => {
        try {
          resolveRunParams(defs as never, flags.map((f) => f.flag))
        } catch (err) {
          if (isCliError(err)) assert.is(err.exitCode, 2, 'parameter problems are usage errors')
          throw err
        }
      })
    }
  }
})

function cleanOutput(what: string, r: {code: number | null; stderr: string; stdout: string}, allowed: number[]): void {
  assert.ok(r.code !== null && allowed.includes(r.code), `${what}: exit ${r.code}\n${r.stderr.slice(0, 500)}`)
  assert.not.match(r.stderr + r.stdout, /bug in kfp|\n\s+at .+:\d+:\d+\)?\n/, `${what}: ${r.stderr.slice(0, 500)}`)
}

F('the CLI on mutated projects and params files: documented exit codes, no stack traces', async () => {
  const r = rng(SEED + 1)
  const tmp = await tmpdir('kfp-fuzz-cli-')
  try {
    writeMiniProject(tmp.dir, 'name: fz\nparams:\n  n: {type: integer, default: 1}\n  s: {type: string, default: a}\nsteps:\n  - name: a\n    inputs: {x: "${{ params.s }}-${{ params.n }}"}\n', {a: {inputs: ['x'], script: 'echo "$1"'}})
    const base = readFileSync(path.join(tmp.dir, 'kfp.yaml'), 'utf8')
    for (let k = 0; k < Math.max(4, Math.round(CASES / 30)); k++) {
      const m = mutateYaml(r, base)
      writeFileSync(path.join(tmp.dir, 'kfp.yaml'), m.text)
      cleanOutput(`validate after ${m.what}`, await runCli(['validate'], {cwd: tmp.dir, timeoutMs: 30_000}), [0, 3])
      const p = mutateYaml(r, 'n: 2\ns: b\n')
      writeFileSync(path.join(tmp.dir, 'p.yaml'), p.text)
      writeFileSync(path.join(tmp.dir, 'kfp.yaml'), base)
      cleanOutput(`run --params-file after ${p.what}`, await runCli(['run', '--runner', 'process', '--params-file', 'p.yaml'], {cwd: tmp.dir, timeoutMs: 30_000}), [0, 2, 7])
    }
  } finally {
    await tmp.cleanup()
  }
})

F('runs killed at random moments: every command that reads them still answers', async () => {
  const r = rng(SEED + 2)
  const tmp = await tmpdir('kfp-fuzz-kill-')
  try {
    writeMiniProject(tmp.dir, 'name: kill\nsteps:\n  - name: a\n    cache: false\n  - name: b\n    cache: false\n    after: [a]\n', {a: {script: 'sleep 0.3; echo a'}, b: {script: 'sleep 0.3; echo b'}})
    for (let k = 0; k < Math.max(3, Math.round(CASES / 60)); k++) {
      const delay = Math.floor(r() * 1500)
      const child = spawn(process.execPath, [binPath, 'run', '--runner', 'process'], {cwd: tmp.dir, env: {PATH: process.env.PATH, HOME: process.env.HOME}, stdio: 'ignore', detached: true})
      // Listened for from the start: a run that ends before the kill has closed already.
      const closed = new Promise((res) => child.once('close', res))
      await new Promise((res) => setTimeout(res, delay))
      try {
        process.kill(child.pid!, 'SIGKILL')
      } catch {}
      await closed
      for (const args of [['runs', 'list'], ['runs', 'get', 'latest'], ['logs', 'latest'], ['runs', 'cancel', 'latest']]) {
        cleanOutput(`${args.join(' ')} after a kill at ${delay} ms`, await runCli(args, {cwd: tmp.dir, timeoutMs: 30_000}), [0, 3])
      }
    }
  } finally {
    await tmp.cleanup()
  }
})

F.run()
