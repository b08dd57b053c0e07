import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {compilePipeline, renderPipelineYaml} from '../../../src/core/compile/index.js'
import type {Project} from '../../../src/core/project/types.js'
import {platformLimitations} from '../../../src/core/compile/support.js'
import {isCliError} from '../../../src/lib/errors.js'
import {checkPipelineSpec, formatProblems} from '../../helpers/proto.js'
import {component, everythingProject, io, producerConsumerProject, project, step} from './projects.js'

function compileErr(p: Project): {code: string; message: string; hints: string[]; exit: number} {
  try {
    compilePipeline(p, {images: {}})
  } catch (error) {
    assert.ok(isCliError(error), `expected a CliError, got ${error}`)
    return {code: error.kfpCode, message: error.message, hints: error.hints, exit: error.exitCode}
  }
  throw new Error('expected compilePipeline to throw')
}

const basics = suite('compilePipeline: components, executors, tasks')

basics('one comp-<step> and exec-<step> per step, and the maps from steps to them', () => {
  // Given
  const p = producerConsumerProject()
  // When
  const r = compilePipeline(p, {images: {}, sdkVersion: 'kfp-cli-9.9.9'})
  // Then
  assert.equal(Object.keys(r.spec.components).sort(), ['comp-consumer', 'comp-producer'])
  assert.equal(Object.keys(r.spec.deploymentSpec.executors).sort(), ['exec-consumer', 'exec-producer'])
  assert.equal(r.taskOfStep, {producer: 'producer', consumer: 'consumer'})
  assert.equal(r.componentOfStep, {producer: 'comp-producer', consumer: 'comp-consumer'})
  assert.equal(r.executorOfComponent, {'comp-producer': 'exec-producer', 'comp-consumer': 'exec-consumer'})
  assert.is(r.spec.sdkVersion, 'kfp-cli-9.9.9')
  assert.is(r.spec.schemaVersion, '2.1.0')
})

basics('two steps sharing a component get their own components; names are K8s-sanitized and de-duplicated like the SDK', () => {
  // Given two steps whose names sanitize to the same IR name, both using one component
  const c = component('echo', {inputs: [io('Message Text', 'String')], command: ['echo', {inputValue: 'Message Text'}]})
  const p = project('p', {
    components: [c],
    steps: [
      step(1, 'Say_Hello', {component: 'echo', inputs: {'Message Text': {kind: 'literal', value: 'hi'}}}),
      step(2, 'say-hello', {component: 'echo', inputs: {'Message Text': {kind: 'literal', value: 'there'}}, after: ['Say_Hello']}),
    ],
  })
  // When
  const r = compilePipeline(p, {images: {}})
  // Then
  assert.equal(r.taskOfStep, {Say_Hello: 'say-hello', 'say-hello': 'say-hello-2'})
  assert.equal(Object.keys(r.spec.components).sort(), ['comp-say-hello', 'comp-say-hello-2'])
  assert.equal(r.spec.root.dag!.tasks['say-hello-2'].dependentTasks, ['say-hello'])
  // and input names are sanitized like the SDK's sanitize_input_name
  assert.equal(Object.keys(r.spec.components['comp-say-hello'].inputDefinitions!.parameters!), ['message_text'])
  assert.equal(r.spec.deploymentSpec.executors['exec-say-hello'].container!.command, ['echo', "{{$.inputs.parameters['message_text']}}"])
  assert.equal(r.spec.root.dag!.tasks['say-hello'].inputs!.parameters!.message_text, {runtimeValue: {constant: 'hi'}})
})

basics('images come from opts.images, else the component image', () => {
  // Given
  const p = producerConsumerProject()
  // When
  const r = compilePipeline(p, {images: {producer: 'localhost:5000/p-producer@sha256:abc'}})
  // Then
  assert.is(r.spec.deploymentSpec.executors['exec-producer'].container!.image, 'localhost:5000/p-producer@sha256:abc')
  assert.is(r.spec.deploymentSpec.executors['exec-consumer'].container!.image, 'registry.access.redhat.com/ubi9/python-311:latest')
})

basics('dependentTasks: from data, templates and after, sorted and without duplicates', () => {
  // When
  const {spec} = compilePipeline(everythingProject(), {images: {}})
  // Then
  const tasks = spec.root.dag!.tasks
  assert.is(tasks.preprocess.dependentTasks, undefined)
  assert.equal(tasks.train.dependentTasks, ['preprocess'])
  assert.equal(tasks.tutorial.dependentTasks, ['preprocess'])
  assert.equal(tasks.deploy.dependentTasks, ['preprocess', 'train', 'tutorial'])
})

basics('caching off is `cachingOptions: {}`, on is {enableCache: true}; retries add the SDK retryPolicy', () => {
  // When
  const {spec} = compilePipeline(everythingProject(), {images: {}})
  // Then
  assert.equal(spec.root.dag!.tasks.train.cachingOptions, {})
  assert.equal(spec.root.dag!.tasks.preprocess.cachingOptions, {enableCache: true})
  assert.equal(spec.root.dag!.tasks.train.retryPolicy, {backoffDuration: '0s', backoffFactor: 2, backoffMaxDuration: '3600s', maxRetryCount: 3})
  assert.is(spec.root.dag!.tasks.preprocess.retryPolicy, undefined)
})

basics('resources: string fields plus the deprecated doubles (cores, GB) and both accelerator forms', () => {
  // When
  const {spec} = compilePipeline(everythingProject(), {images: {}})
  // Then
  assert.equal(spec.deploymentSpec.executors['exec-train'].container!.resources, {
    accelerator: {count: '2', resourceCount: '2', resourceType: 'nvidia-tesla-t4', type: 'nvidia-tesla-t4'},
    cpuLimit: 1,
    cpuRequest: 0.5,
    memoryLimit: 15.032385536,
    memoryRequest: 2,
    resourceCpuLimit: '1',
    resourceCpuRequest: '500m',
    resourceMemoryLimit: '14Gi',
    resourceMemoryRequest: '2G',
  })
  assert.is(spec.deploymentSpec.executors['exec-preprocess'].container!.resources, undefined)
})

basics('env: the component env with the step env over it', () => {
  // When
  const {spec} = compilePipeline(everythingProject(), {images: {}})
  // Then
  assert.equal(spec.deploymentSpec.executors['exec-preprocess'].container!.env, [
    {name: 'LOG_LEVEL', value: 'info'},
    {name: 'MODE', value: 'cluster'},
    {name: 'EXTRA', value: 'yes'},
  ])
})

basics('pipeline params: parameterType per type, defaults as JSON values, isOptional, descriptions', () => {
  // When
  const {spec} = compilePipeline(everythingProject(), {images: {}})
  // Then
  assert.equal(spec.root.inputDefinitions!.parameters, {
    project: {parameterType: 'STRING', defaultValue: 'my-project', isOptional: true, description: 'GCP project'},
    bucket: {parameterType: 'STRING'},
    startYear: {parameterType: 'NUMBER_INTEGER', defaultValue: 2000, isOptional: true},
    rate: {parameterType: 'NUMBER_DOUBLE', defaultValue: 0.25, isOptional: true},
    dryRun: {parameterType: 'BOOLEAN', defaultValue: false, isOptional: true},
    years: {parameterType: 'LIST', defaultValue: [2000, 2001], isOptional: true},
    config: {parameterType: 'STRUCT', defaultValue: {depth: 3, name: 'mlp'}, isOptional: true},
  })
})

basics('component inputs: v1 string defaults are converted to the input type (Integer "2000" → 2000)', () => {
  // When
  const {spec} = compilePipeline(everythingProject(), {images: {}})
  // Then
  assert.equal(spec.components['comp-preprocess'].inputDefinitions!.parameters!.start_year, {
    parameterType: 'NUMBER_INTEGER',
    defaultValue: 2000,
    isOptional: true,
  })
  assert.equal(spec.components['comp-preprocess'].inputDefinitions!.parameters!.dry_run, {parameterType: 'BOOLEAN', isOptional: true})
})

basics('artifacts: typed and untyped I/O with schemaTitle/schemaVersion, wired with taskOutputArtifact', () => {
  // When
  const {spec} = compilePipeline(everythingProject(), {images: {}})
  // Then
  assert.equal(spec.components['comp-preprocess'].outputDefinitions!.artifacts, {
    data: {artifactType: {schemaTitle: 'system.Artifact', schemaVersion: '0.0.1'}},
  })
  assert.equal(spec.components['comp-train'].outputDefinitions!.artifacts, {model: {artifactType: {schemaTitle: 'system.Model', schemaVersion: '0.0.1'}}})
  assert.equal(spec.root.dag!.tasks.train.inputs!.artifacts, {data: {taskOutputArtifact: {outputArtifactKey: 'data', producerTask: 'preprocess'}}})
  assert.equal(spec.root.dag!.tasks.deploy.inputs!.artifacts, {model: {taskOutputArtifact: {outputArtifactKey: 'model', producerTask: 'train'}}})
})

basics('template bindings compile like SDK f-strings: pipelinechannel-- inputs and a constant with their placeholders', () => {
  // When
  const {spec} = compilePipeline(everythingProject(), {images: {}})
  // Then
  const pre = spec.root.dag!.tasks.preprocess.inputs!.parameters!
  assert.equal(pre.prefix, {
    runtimeValue: {constant: "gs://{{$.inputs.parameters['pipelinechannel--bucket']}}/{{$.inputs.parameters['pipelinechannel--project']}}"},
  })
  assert.equal(pre['pipelinechannel--bucket'], {componentInputParameter: 'bucket'})
  assert.equal(pre['pipelinechannel--project'], {componentInputParameter: 'project'})
  const tut = spec.root.dag!.tasks.tutorial.inputs!.parameters!
  assert.equal(tut.bucket, {runtimeValue: {constant: "{{$.inputs.parameters['pipelinechannel--preprocess-bucket']}}/tutorial"}})
  assert.equal(tut['pipelinechannel--preprocess-bucket'], {taskOutputParameter: {outputParameterKey: 'bucket', producerTask: 'preprocess'}})
  // and the component's own inputDefinitions are not changed by the injected inputs (as in the SDK)
  assert.equal(Object.keys(spec.components['comp-tutorial'].inputDefinitions!.parameters!), ['bucket'])
})

const placeholders = suite('compilePipeline: command-line placeholders')

placeholders('inputValue, concat, if/isPresent (bound → then, unbound → else), outputPath for parameters and artifacts', () => {
  // When
  const {spec} = compilePipeline(everythingProject(), {images: {}})
  // Then
  assert.equal(spec.deploymentSpec.executors['exec-preprocess'].container!.args, [
    '--project',
    "{{$.inputs.parameters['project']}}",
    "--start-year={{$.inputs.parameters['start_year']}}",
    '--prefix',
    "{{$.inputs.parameters['prefix']}}",
    // dry_run: optional, unbound, no default, and no else branch → nothing
    '--rate',
    "{{$.inputs.parameters['rate']}}",
    '--years',
    "{{$.inputs.parameters['years']}}",
    '--config',
    "{{$.inputs.parameters['config']}}",
    '--bucket-out',
    "{{$.outputs.parameters['bucket'].output_file}}",
    '--data-out',
    "{{$.outputs.artifacts['data'].path}}",
  ])
  assert.equal(spec.deploymentSpec.executors['exec-train'].container!.command, [
    'python3',
    'train.py',
    '--data',
    "{{$.inputs.artifacts['data'].path}}",
    '--label',
    "{{$.inputs.parameters['label']}}",
    '--model',
    "{{$.outputs.artifacts['model'].path}}",
  ])
})

placeholders('if/isPresent takes the else branch when the step does not bind the input', () => {
  // Given
  const p = everythingProject()
  delete p.steps[0].inputs.prefix
  // When
  const {spec} = compilePipeline(p, {images: {}})
  // Then
  const args = spec.deploymentSpec.executors['exec-preprocess'].container!.args!
  assert.ok(args.includes('--no-prefix'))
  assert.not.ok(args.includes('--prefix'))
})

const fileOutputs = suite('compilePipeline: fileOutputs (tutorial-style fixed-path outputs)')

fileOutputs('the container is wrapped so the fixed file is copied to the KFP output file; args stay args', () => {
  // When
  const {spec} = compilePipeline(everythingProject(), {images: {}})
  // Then: golden-style snapshot of the executor
  assert.equal(spec.deploymentSpec.executors['exec-tutorial'], {
    container: {
      image: 'gcr.io/my-project/tutorial:v1',
      command: [
        'sh',
        '-c',
        [
          'set -e',
          'dst1="$1"; src1="$2"; shift 2',
          '"$@"',
          'if [ ! -f "$src1" ]; then echo "kfp: the step did not write its output file $src1" >&2; exit 1; fi',
          'mkdir -p "$(dirname "$dst1")"',
          'cp "$src1" "$dst1"',
          '',
        ].join('\n'),
        'kfp-file-outputs',
        "{{$.outputs.parameters['jobname'].output_file}}",
        '/output.txt',
        'bash',
        './run.sh',
        'arg with "quotes" and $dollar',
      ],
      args: ["{{$.inputs.parameters['bucket']}}"],
    },
  })
  assert.equal(spec.components['comp-tutorial'].outputDefinitions, {parameters: {jobname: {parameterType: 'STRING'}}})
})

function runWrapped(command: string[], args: string[], subst: Record<string, string>, cwd: string) {
  const fill = (s: string) => Object.entries(subst).reduce((acc, [k, v]) => acc.replaceAll(k, v), s)
  const argv = [...command, ...args].map(fill)
  return spawnSync(argv[0], argv.slice(1), {cwd, encoding: 'utf8'})
}

fileOutputs('compiling for a KFP server says which steps run under sh -c because of fileOutputs, and only those', () => {
  // When
  const {spec} = compilePipeline(everythingProject(), {images: {}})
  const kfp = platformLimitations(spec, 'kfp').filter((l) => /fileOutputs/.test(l.message))
  // Then
  assert.equal(kfp.map((l) => l.task), ['tutorial'])
  assert.match(kfp[0].message, /its image needs \/bin\/sh/)
  assert.match(kfp[0].hint, /\{outputPath: NAME\}/)
  assert.equal(platformLimitations(compilePipeline(producerConsumerProject(), {images: {}}).spec, 'kfp'), [])
})

fileOutputs('the wrapper really runs the program with its exact argv and delivers each fixed file (sh)', () => {
  // Given a step writing two fixed files, with awkward arguments
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kfp-fo-'))
  try {
    const script = path.join(dir, 'prog.sh')
    writeFileSync(script, 'printf "%s|" "$@" > argv; printf "gs://b/%s" "$1" > a.txt; echo job-7 > b.txt\n')
    const p = project('p', {
      components: [
        component('prog', {
          inputs: [io('x', 'String')],
          outputs: [io('a', 'String')],
          command: ['sh', script],
          args: [{inputValue: 'x'}, 'two words', '$HOME "q"', ''],
          fileOutputs: {a: `${dir}/a.txt`},
        }),
      ],
      steps: [step(1, 'prog', {inputs: {x: {kind: 'literal', value: 'v; rm -rf /'}}, fileOutputs: {a: `${dir}/a.txt`, b: `${dir}/b.txt`}})],
    })
    const c = compilePipeline(p, {images: {}}).spec.deploymentSpec.executors['exec-prog'].container!
    // When the launcher substitutes the placeholders and runs command + args
    const out = path.join(dir, 'kfp-outputs')
    const r = runWrapped(c.command!, c.args!, {
      "{{$.inputs.parameters['x']}}": 'v; rm -rf /',
      "{{$.outputs.parameters['a'].output_file}}": `${out}/a/value`,
      "{{$.outputs.parameters['b'].output_file}}": `${out}/b/value`,
    }, dir)
    // Then
    assert.is(r.status, 0, r.stderr)
    assert.is(readFileSync(path.join(dir, 'argv'), 'utf8'), 'v; rm -rf /|two words|$HOME "q"||')
    assert.is(readFileSync(`${out}/a/value`, 'utf8'), 'gs://b/v; rm -rf /')
    assert.is(readFileSync(`${out}/b/value`, 'utf8'), 'job-7\n')
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

fileOutputs('the wrapper keeps the program exit code, and fails naming the file the program did not write', () => {
  // Given
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kfp-fo-'))
  try {
    const mk = (cmd: string[]) =>
      compilePipeline(
        project('p', {
          components: [component('prog', {command: cmd})],
          steps: [step(1, 'prog', {fileOutputs: {a: `${dir}/never.txt`}})],
        }),
        {images: {}},
      ).spec.deploymentSpec.executors['exec-prog'].container!
    const subst = {"{{$.outputs.parameters['a'].output_file}}": `${dir}/out/a`}
    // When the program fails
    const failed = runWrapped(mk(['sh', '-c', 'exit 7']).command!, [], subst, dir)
    // Then its exit code is the step's
    assert.is(failed.status, 7)
    // When the program succeeds without writing the file
    const missing = runWrapped(mk(['true']).command!, [], subst, dir)
    // Then
    assert.is(missing.status, 1)
    assert.match(missing.stderr, `did not write its output file ${dir}/never.txt`)
    assert.not.ok(existsSync(`${dir}/out/a`))
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

const errors = suite('compilePipeline: what cannot be compiled fails with COMPILE_FAILED naming the step')

const errorCases: Array<{name: string; mutate: (p: Project) => void; message: RegExp}> = [
  {
    name: 'a literal bound to an artifact input',
    mutate: (p) => (p.steps[1].inputs.data = {kind: 'literal', value: 'x'}),
    message: /step 'train': input 'data' is an artifact; it can only be bound to another step's artifact output/,
  },
  {
    name: 'a parameter output bound to an artifact input',
    mutate: (p) => (p.steps[1].inputs.data = {kind: 'output', step: 'preprocess', output: 'bucket'}),
    message: /input 'data' is an artifact but 'preprocess.outputs.bucket' is a parameter/,
  },
  {
    name: 'an artifact output bound to a parameter input',
    mutate: (p) => (p.steps[1].inputs.bucket = {kind: 'output', step: 'preprocess', output: 'data'}),
    message: /input 'bucket' is a parameter but 'preprocess.outputs.data' is an artifact/,
  },
  {
    name: 'an unknown input',
    mutate: (p) => (p.steps[1].inputs.nope = {kind: 'literal', value: 1}),
    message: /input 'nope' is not an input of component 'train'/,
  },
  {
    name: 'a reference to an unknown output',
    mutate: (p) => (p.steps[1].inputs.bucket = {kind: 'output', step: 'preprocess', output: 'buckets'}),
    message: /'buckets', which is not an output of step 'preprocess'/,
  },
  {
    name: 'an invalid CPU quantity',
    mutate: (p) => (p.steps[1].resources = {cpuRequest: 'two'}),
    message: /cpu request 'two' is not a CPU quantity/,
  },
  {
    name: 'an input the command uses that is neither bound nor defaulted',
    mutate: (p) => delete p.steps[1].inputs.label,
    message: /input 'label' is used by the component's command but the step does not bind it and it has no default/,
  },
  {
    name: '{inputPath} on a typed parameter input',
    mutate: (p) => p.components.train.command.push({inputPath: 'bucket'}),
    message: /input 'bucket' is a typed parameter, but the component passes it with \{inputPath\}/,
  },
  {
    name: 'fileOutputs on a component without command',
    mutate: (p) => (p.components.tutorial.command = []),
    message: /fileOutputs need the component to set implementation.container.command/,
  },
  {
    name: 'a component without image',
    mutate: (p) => (p.components.train.image = ''),
    message: /component 'train' has no image/,
  },
]
for (const c of errorCases) {
  errors(c.name, () => {
    // Given
    const p = everythingProject()
    c.mutate(p)
    // When
    const e = compileErr(p)
    // Then
    assert.is(e.code, 'COMPILE_FAILED')
    assert.is(e.exit, 3)
    assert.match(e.message, c.message)
  })
}

errors('the message starts with the step position in kfp.yaml when known', () => {
  // Given
  const p = everythingProject()
  p.steps[1].pos = {file: 'kfp.yaml', line: 30, col: 5}
  p.steps[1].inputs.nope = {kind: 'literal', value: 1}
  // When
  const e = compileErr(p)
  // Then
  assert.match(e.message, /^kfp\.yaml:30:5: step 'train': /)
})

const strict = suite('compiled IR is strictly valid against pipeline_spec.proto')

strict('a project using every feature', () => {
  // When
  const {spec} = compilePipeline(everythingProject(), {images: {}})
  // Then
  const problems = checkPipelineSpec(spec)
  assert.is(problems.length, 0, formatProblems(problems))
})

strict('the YAML text, parsed back, is the same spec and still valid', async () => {
  // Given
  const {parse} = await import('yaml')
  const {spec} = compilePipeline(everythingProject(), {images: {}})
  // When
  const back = parse(renderPipelineYaml(spec))
  // Then
  assert.equal(back, JSON.parse(JSON.stringify(spec)))
  assert.is(checkPipelineSpec(back).length, 0)
})

const determinism = suite('compile output is deterministic')

determinism('the same project gives byte-identical YAML, whatever the key order of the input objects', () => {
  // Given the same project twice, the second with every object's keys in reverse insertion order
  const reverseKeys = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(reverseKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : v
  const a = everythingProject()
  const b = reverseKeys(everythingProject()) as Project
  // When
  const ya = renderPipelineYaml(compilePipeline(a, {images: {}}).spec)
  const yb = renderPipelineYaml(compilePipeline(b, {images: {}}).spec)
  const ya2 = renderPipelineYaml(compilePipeline(everythingProject(), {images: {}}).spec)
  // Then
  assert.is(ya2, ya)
  // Only the env order follows the input (it is a list in the IR), so compare without it.
  const noEnv = (y: string) => y.replace(/ {8}env:\n( {8}- name: .*\n {10}value: .*\n)+/g, '')
  assert.is(noEnv(yb), noEnv(ya))
})

determinism('it is a pure function: compiling does not change the project', () => {
  // Given
  const p = everythingProject()
  const before = JSON.stringify(p)
  // When
  compilePipeline(p, {images: {}})
  // Then
  assert.is(JSON.stringify(p), before)
})

basics.run()
placeholders.run()
fileOutputs.run()
errors.run()
strict.run()
determinism.run()
