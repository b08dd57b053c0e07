import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {addOutputRecords, compilePipeline, renderPipelineYaml} from '../../../src/core/compile/index.js'
import {isCliError} from '../../../src/lib/errors.js'
import {checkPipelineSpec, formatProblems} from '../../helpers/proto.js'
import {component, everythingProject, io, producerConsumerProject, project, step} from './projects.js'

const RECORD = "{{$.outputs.artifacts['kfp_outputs'].path}}"

/** Runs command + args as the launcher would, after substituting placeholders, with `shell` as `sh`. */
function runAsLauncher(command: string[], args: string[], subst: Record<string, string>, cwd: string, shell: string[] = ['sh']) {
  const fill = (s: string) => Object.entries(subst).reduce((acc, [k, v]) => acc.replaceAll(k, v), s)
  const argv = [...command, ...args].map(fill)
  const [file, ...rest] = argv[0] === 'sh' ? [...shell, ...argv.slice(1)] : argv
  return spawnSync(file, rest, {cwd, encoding: 'utf8'})
}

const shells: Array<{name: string; argv: string[]}> = [
  {name: 'sh', argv: ['sh']},
  ...['dash', 'bash'].filter((s) => spawnSync(s, ['-c', 'true']).status === 0).map((s) => ({name: s, argv: [s]})),
  ...(spawnSync('busybox', ['sh', '-c', 'true']).status === 0 ? [{name: 'busybox ash', argv: ['busybox', 'sh']}] : []),
]

const shape = suite('compilePipeline recordOutputs: the spec')

shape('off by default: the spec is exactly what it was without the option', () => {
  // When
  const plain = compilePipeline(everythingProject(), {images: {}})
  const off = compilePipeline(everythingProject(), {images: {}, recordOutputs: false})
  // Then
  assert.is(renderPipelineYaml(off.spec), renderPipelineYaml(plain.spec))
  assert.not.match(renderPipelineYaml(plain.spec), /kfp_outputs/)
})

shape('a step with output parameters gets the kfp_outputs artifact and a wrapped command; args and other steps stay', () => {
  // Given
  const p = producerConsumerProject()
  const plain = compilePipeline(p, {images: {}}).spec
  // When
  const {spec} = compilePipeline(p, {images: {}, recordOutputs: true})
  // Then
  assert.equal(spec.components['comp-producer'].outputDefinitions, {
    artifacts: {kfp_outputs: {artifactType: {schemaTitle: 'system.Artifact', schemaVersion: '0.0.1'}}},
    parameters: {output_value: {parameterType: 'STRING'}},
  })
  const before = plain.deploymentSpec.executors['exec-producer'].container!
  const after = spec.deploymentSpec.executors['exec-producer'].container!
  assert.equal(after.command!.slice(0, 2), ['sh', '-c'])
  assert.equal(after.command!.slice(3, 7), ['kfp-record-outputs', RECORD, 'output_value', "{{$.outputs.parameters['output_value'].output_file}}"])
  assert.equal(after.command!.slice(7), before.command)
  assert.equal(after.args, before.args)
  // The consumer has no output parameters: untouched.
  assert.equal(spec.components['comp-consumer'], plain.components['comp-consumer'])
  assert.equal(spec.deploymentSpec.executors['exec-consumer'], plain.deploymentSpec.executors['exec-consumer'])
  assert.equal(spec.root, plain.root)
})

shape('the compiled spec is strictly valid against pipeline_spec.proto (every feature, fileOutputs included)', () => {
  // When
  const {spec} = compilePipeline(everythingProject(), {images: {}, recordOutputs: true})
  // Then
  const problems = checkPipelineSpec(spec)
  assert.is(problems.length, 0, formatProblems(problems))
  assert.ok(spec.components['comp-preprocess'].outputDefinitions?.artifacts?.kfp_outputs)
  assert.ok(spec.components['comp-tutorial'].outputDefinitions?.artifacts?.kfp_outputs)
  // train has only an artifact output: nothing to record.
  assert.not.ok(spec.components['comp-train'].outputDefinitions?.artifacts?.kfp_outputs)
})

shape('a component that runs its image entrypoint (no command) is left as it is and reported', () => {
  // Given
  const p = project('p', {components: [component('ep', {outputs: [io('x', 'String')], args: [{outputPath: 'x'}]})], steps: [step(1, 'ep')]})
  const plain = compilePipeline(p, {images: {}}).spec
  // When
  const r = addOutputRecords(plain)
  // Then
  assert.equal(r.unrecorded, ['comp-ep'])
  assert.equal(r.spec, plain)
})

shape('an input or output already named kfp_outputs fails with COMPILE_FAILED naming the component', () => {
  // Given
  const p = project('p', {components: [component('c', {outputs: [io('x', 'String'), io('kfp_outputs', 'String')], command: ['true']})], steps: [step(1, 'c')]})
  // When
  let err: unknown
  try {
    compilePipeline(p, {images: {}, recordOutputs: true})
  } catch (error) {
    err = error
  }
  // Then
  assert.ok(isCliError(err))
  assert.is(err.kfpCode, 'COMPILE_FAILED')
  assert.match(err.message, /comp-c .*'kfp_outputs'/)
})

const real = suite('compilePipeline recordOutputs: the wrapper run for real')

for (const sh of shells) {
  real(`(${sh.name}) the program runs with its exact argv and the record lands in the artifact path as JSON`, () => {
    // Given a step with three typed outputs, awkward values and awkward arguments
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kfp-rec-'))
    try {
      const prog = path.join(dir, 'prog.sh')
      writeFileSync(
        prog,
        [
          'printf "%s|" "$@" > argv',
          'printf \'gs://b/"q" \\\\ back\\ttab\\nline two é\' > "$2"',
          'echo 42 > "$3"',
          'printf \'["a", 1]\' > "$4"',
          '',
        ].join('\n'),
      )
      const p = project('p', {
        components: [
          component('prog', {
            inputs: [io('x', 'String')],
            outputs: [io('bucket', 'String'), io('count', 'Integer'), io('list', 'JsonArray')],
            command: ['sh', prog],
            args: [{inputValue: 'x'}, {outputPath: 'bucket'}, {outputPath: 'count'}, {outputPath: 'list'}, 'two words', '$HOME "q"', ''],
          }),
        ],
        steps: [step(1, 'prog', {inputs: {x: {kind: 'literal', value: 'v; rm -rf /'}}})],
      })
      const c = compilePipeline(p, {images: {}, recordOutputs: true}).spec.deploymentSpec.executors['exec-prog'].container!
      // When the launcher substitutes the placeholders and runs command + args
      const out = path.join(dir, 'tmp-kfp')
      const subst = {
        "{{$.inputs.parameters['x']}}": 'v; rm -rf /',
        "{{$.outputs.parameters['bucket'].output_file}}": `${out}/outputs/bucket`,
        "{{$.outputs.parameters['count'].output_file}}": `${out}/outputs/count`,
        "{{$.outputs.parameters['list'].output_file}}": `${out}/outputs/list`,
        [RECORD]: `${out}/gcs/root/p/run-1/prog/kfp_outputs`,
      }
      mkdirSync(`${out}/outputs`, {recursive: true})
      const r = runAsLauncher(c.command!, c.args!, subst, dir, sh.argv)
      // Then
      assert.is(r.status, 0, r.stderr)
      assert.is(readFileSync(path.join(dir, 'argv'), 'utf8'), `v; rm -rf /|${out}/outputs/bucket|${out}/outputs/count|${out}/outputs/list|two words|$HOME "q"||`)
      const record = JSON.parse(readFileSync(`${out}/gcs/root/p/run-1/prog/kfp_outputs`, 'utf8'))
      assert.equal(record, {outputs: {bucket: 'gs://b/"q" \\ back\ttab\nline two é', count: '42\n', list: '["a", 1]'}})
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
}

real('a failing program keeps its exit code and writes no record; an unwritten output is left out', () => {
  // Given
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kfp-rec-'))
  try {
    const mk = (cmd: string[]) =>
      compilePipeline(project('p', {components: [component('prog', {outputs: [io('a', 'String'), io('b', 'String')], command: cmd})], steps: [step(1, 'prog')]}), {
        images: {},
        recordOutputs: true,
      }).spec.deploymentSpec.executors['exec-prog'].container!
    const rec = `${dir}/rec/kfp_outputs`
    const subst = {[RECORD]: rec, "{{$.outputs.parameters['a'].output_file}}": `${dir}/a`, "{{$.outputs.parameters['b'].output_file}}": `${dir}/b`}
    // When the program fails
    const failed = runAsLauncher(mk(['sh', '-c', 'exit 7']).command!, [], subst, dir)
    // Then
    assert.is(failed.status, 7)
    assert.not.ok(existsSync(rec))
    // When it succeeds writing only `b`
    const partial = runAsLauncher(mk(['sh', '-c', `printf x > ${dir}/b`]).command!, [], subst, dir)
    // Then
    assert.is(partial.status, 0, partial.stderr)
    assert.equal(JSON.parse(readFileSync(rec, 'utf8')), {outputs: {b: 'x'}})
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

real('with fileOutputs: the fixed file is delivered first, then recorded', () => {
  // Given
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kfp-rec-'))
  try {
    const p = project('p', {
      components: [component('tut', {command: ['sh', '-c', `echo job-7 > ${dir}/output.txt`], fileOutputs: {jobname: `${dir}/output.txt`}})],
      steps: [step(1, 'tut')],
    })
    const c = compilePipeline(p, {images: {}, recordOutputs: true}).spec.deploymentSpec.executors['exec-tut'].container!
    // When
    const rec = `${dir}/rec/kfp_outputs`
    const r = runAsLauncher(c.command!, [], {[RECORD]: rec, "{{$.outputs.parameters['jobname'].output_file}}": `${dir}/out/jobname`}, dir)
    // Then
    assert.is(r.status, 0, r.stderr)
    assert.equal(JSON.parse(readFileSync(rec, 'utf8')), {outputs: {jobname: 'job-7\n'}})
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

shape.run()
real.run()
