import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {findProjectComponentNames} from '../../../src/core/project/load.js'
import type {ProjectIssue} from '../../../src/core/project/types.js'
import {babyweight, comp, fixtureText, KFP, lastPosOf, parse, posOf, ROOT, summary, where} from './helpers.js'

/** Asserts exactly one issue whose message contains `message`, located at `at` (line:col), optionally with a hint. */
function expectIssue(issues: ProjectIssue[], message: string, at: string, hint?: string | RegExp, file = KFP) {
  const exact = issues.filter((i) => i.message === message)
  const found = exact.length > 0 ? exact : issues.filter((i) => i.message.includes(message))
  assert.is(found.length, 1, `expected one issue "${message}", got:\n${summary(issues)}`)
  assert.is(where(found[0]), at, `position of "${message}"`)
  assert.is(found[0].file, file)
  if (typeof hint === 'string') assert.ok(found[0].hint?.includes(hint), `hint "${found[0].hint}" should contain "${hint}"`)
  else if (hint) assert.match(found[0].hint ?? '', hint)
}

// ---------------------------------------------------------------------------------------------------------------------
const ok = suite('parseProject: the babyweight fixture')

ok('parses into a project with numbered steps, typed params, bindings and normalized resources', () => {
  // Given the fixture
  // When
  const {project, issues} = parse(fixtureText('babyweight'))
  // Then
  assert.equal(issues, [])
  assert.ok(project)
  assert.is(project.name, 'babyweight')
  assert.is(project.root, ROOT)
  assert.is(project.file, KFP)
  assert.is(project.registry, 'localhost:5000')
  assert.equal(project.gcp, {project: 'my-project', region: 'us-central1', zone: 'us-central1-a', bucket: 'my-bucket'})
  assert.equal(
    project.params.map((p) => [p.name, p.type, p.default]),
    [
      ['project', 'string', 'my-project'],
      ['bucket', 'string', 'my-bucket'],
      ['startYear', 'integer', 2000],
    ],
  )
  assert.equal(
    project.steps.map((s) => [s.number, s.name, s.component]),
    [
      [1, 'preprocess', 'preprocess'],
      [2, 'hypertrain', 'hypertrain'],
      [3, 'traintuned', 'traintuned'],
      [4, 'deploy', 'deploy'],
    ],
  )
  const [pre, hyper, tuned, deploy] = project.steps
  assert.equal(pre.inputs.start_year, {kind: 'param', param: 'startYear'})
  assert.equal(pre.inputs.mode, {kind: 'literal', value: 'local'})
  assert.equal(hyper.inputs.bucket, {kind: 'output', step: 'preprocess', output: 'bucket'})
  assert.equal(tuned.resources, {cpuRequest: '1', memoryRequest: '2G'})
  assert.is(tuned.cache, true)
  assert.is(tuned.retries, 0)
  assert.equal(deploy.inputs.model, {kind: 'literal', value: 'babyweight'})
  assert.equal(pre.pos, {file: KFP, line: 12, col: 5})
  assert.equal(project.targets, {local: {name: 'local', type: 'local'}})
  assert.is(project.defaultTarget, 'local')
})

ok('reads the components: folder, image, command, typed inputs with converted defaults, outputs', () => {
  const {project} = parse(fixtureText('babyweight'))
  const pre = project!.components.preprocess
  assert.is(pre.dir, 'components/preprocess')
  assert.is(pre.image, 'python:3.11-slim')
  assert.equal(pre.command, ['python3', 'main.py'])
  assert.equal(pre.args.slice(0, 2), ['--project', {inputValue: 'project'}])
  assert.equal(pre.args.at(-1), {outputPath: 'bucket'})
  assert.equal(
    pre.inputs.map((i) => [i.name, i.kind, i.paramType, i.default]),
    [
      ['project', 'parameter', 'string', undefined],
      ['bucket', 'parameter', 'string', undefined],
      ['start_year', 'parameter', 'integer', 2000],
      ['mode', 'parameter', 'string', 'local'],
    ],
  )
  assert.equal(pre.outputs.map((o) => o.name), ['bucket'])
  assert.is(pre.hasDockerfile, true)
  assert.equal(Object.keys(project!.components).sort(), ['deploy', 'hypertrain', 'preprocess', 'traintuned'])
})

ok('findProjectComponentNames: component defaults to the step name; unsafe names are never read', () => {
  // Given
  const text = `name: p\nsteps:\n- name: a\n- name: b\n  component: shared\n- name: c\n  component: shared\n- name: d\n  component: ../../etc\n`
  // When / Then
  assert.equal(findProjectComponentNames(text), ['a', 'shared'])
  assert.equal(findProjectComponentNames('steps: [oops'), [])
})

// ---------------------------------------------------------------------------------------------------------------------
const yamlErr = suite('parseProject: YAML syntax')

yamlErr('reports a syntax error with its line and column', () => {
  // Given a mapping value where a key was expected
  const text = 'name: p\nsteps:\n  - name: a\n   bad: x\n'
  // When
  const {project, issues} = parse(text, {})
  // Then
  assert.is(project, undefined)
  assert.ok(issues.length >= 1)
  assert.is(issues[0].code, 'YAML_SYNTAX')
  assert.is(issues[0].file, KFP)
  assert.is(issues[0].line, 4)
  assert.match(issues[0].message, /^YAML syntax error: /)
})

yamlErr('an unquoted ${{ }} inside a flow mapping gets a hint to quote it', () => {
  const text = babyweight(['resources: {cpu: 1, memory: 2G}', 'env: {B: ${{ params.bucket }}}'])
  const {issues} = parse(text)
  assert.is(issues[0].code, 'YAML_SYNTAX')
  assert.is(issues[0].line, Number(posOf(text, 'env: {B').split(':')[0]))
  assert.match(issues[0].hint ?? '', /Quote values that contain \$\{\{/)
})

yamlErr('duplicate keys are reported where the second one is', () => {
  const text = 'name: p\nname: q\nsteps: []\n'
  const {issues} = parse(text, {})
  assert.is(issues[0].code, 'YAML_SYNTAX')
  assert.is(where(issues[0]), '2:1')
  assert.match(issues[0].message, /unique/)
})

yamlErr('an empty file and a non-mapping file are reported', () => {
  assert.equal(parse('', {}).issues.map((i) => [i.message, where(i)]), [['kfp.yaml is empty', '1:1']])
  assert.match(parse('- a\n- b\n', {}).issues[0].message, /must be a mapping/)
})

// ---------------------------------------------------------------------------------------------------------------------
const schema = suite('parseProject: JSON Schema violations located in the YAML')

schema("unknown top-level key gets a did-you-mean and no redundant 'missing steps'", () => {
  // Given
  const text = babyweight([/^steps:/m, 'stpes:'])
  // When
  const {issues} = parse(text)
  // Then
  assert.is(issues.length, 1, summary(issues))
  assert.is(issues[0].message, "unknown key 'stpes' — did you mean 'steps'?")
  assert.is(where(issues[0]), posOf(text, 'stpes:'))
  assert.is(issues[0].code, 'UNKNOWN_KEY')
  assert.match(issues[0].hint ?? '', /Allowed keys here: name, description, registry/)
})

schema('unknown key inside a step names the step', () => {
  const text = babyweight(['  - name: hypertrain\n    inputs:', '  - name: hypertrain\n    inptus:'])
  const {issues} = parse(text)
  expectIssue(issues, "unknown key 'inptus' in step 'hypertrain' — did you mean 'inputs'?", posOf(text, 'inptus'))
})

schema('unknown key inside resources', () => {
  const text = babyweight(['resources: {cpu: 1, memory: 2G}', 'resources: {cpu: 1, memroy: 2G}'])
  expectIssue(parse(text).issues, "unknown key 'memroy' in step 'traintuned': resources — did you mean 'memory'?", posOf(text, 'memroy'))
})

schema('wrong value types say what was expected and what was found', () => {
  const text = babyweight(['resources: {cpu: 1, memory: 2G}', 'retries: two\n    cache: maybe'])
  const {issues} = parse(text)
  expectIssue(issues, "step 'traintuned': retries: must be an integer, got 'two'", posOf(text, 'two'))
  expectIssue(issues, "step 'traintuned': cache: must be true or false, got 'maybe'", posOf(text, 'maybe'))
})

schema('a missing pipeline name and a step without a name', () => {
  const text = 'steps:\n  - component: a\n'
  const {issues} = parse(text, {})
  expectIssue(issues, "missing required key 'name'", '1:1', 'name: my-pipeline')
  expectIssue(issues, "step 1: missing required key 'name'", '2:5', 'unique `name:`')
})

schema('negative retries and a bad param type', () => {
  const text = babyweight(['resources: {cpu: 1, memory: 2G}', 'retries: -1'], ['{type: integer, default: 2000', '{type: int, default: 2000'])
  const {issues} = parse(text)
  expectIssue(issues, "step 'traintuned': retries: must be at least 0, got -1", posOf(text, '-1'))
  expectIssue(issues, "param 'startYear': type: 'int' is not one of string, integer, float, boolean, list, struct", posOf(text, 'int,'))
})

// ---------------------------------------------------------------------------------------------------------------------
const names = suite('parseProject: names')

names('pipeline name must be a Kubernetes name; the fix is suggested', () => {
  const text = babyweight(['name: babyweight', 'name: Baby_Weight'])
  expectIssue(parse(text).issues, "pipeline name 'Baby_Weight' is not a valid Kubernetes name", '3:7', "Use 'baby-weight'.")
})

names('step names: camelCase, too long, and duplicates', () => {
  const long = 'x'.repeat(64)
  const text = babyweight(['name: hypertrain\n', `name: ${long}\n`], [/name: deploy/, 'name: preprocess'], [/^  - name: traintuned/m, '  - name: trainTuned\n    component: traintuned'])
  const {issues} = parse(text, {})
  expectIssue(issues, `step name '${long}' is not a valid Kubernetes name: it is longer than 63 characters`, posOf(text, long), `Use '${'x'.repeat(63)}' (and update references to it).`)
  expectIssue(issues, "step name 'trainTuned' is not a valid Kubernetes name", posOf(text, 'trainTuned'), "Use 'train-tuned'")
  expectIssue(issues, "duplicate step name 'preprocess': step 1 (line 12) has it too", lastPosOf(text, 'name: preprocess', 6), 'rename one')
})

names('param names must be identifiers', () => {
  const text = babyweight(['  bucket: {type: string', '  gcs-bucket: {type: string'], [/params\.bucket/g, 'params.project'])
  expectIssue(parse(text).issues, "param name 'gcs-bucket' is not valid", posOf(text, 'gcs-bucket'), "Use 'gcsBucket'.")
})

// ---------------------------------------------------------------------------------------------------------------------
const refs = suite('parseProject: references')

refs('unknown step with did-you-mean', () => {
  const text = babyweight(['bucket: ${{ steps.preprocess.outputs.bucket }}\n  - name: traintuned', 'bucket: ${{ steps.preproces.outputs.bucket }}\n  - name: traintuned'])
  expectIssue(parse(text).issues, "step 'hypertrain': input 'bucket': unknown step 'preproces' — did you mean 'preprocess'?", posOf(text, '${{ steps.preproces'), 'Steps: preprocess, hypertrain, traintuned, deploy.')
})

refs('unknown param with did-you-mean', () => {
  const text = babyweight(['${{ params.startYear }}', '${{ params.startyear }}'])
  expectIssue(parse(text).issues, "step 'preprocess': input 'start_year': unknown param 'startyear' — did you mean 'startYear'?", posOf(text, '${{ params.startyear'))
})

refs('an unknown param among 20,000 lists the first 30 of them in its hint, not all', () => {
  const many = Array.from({length: 20_000}, (_, i) => `  p${i}: {type: integer, default: ${i}}`).join('\n')
  const text = babyweight(['${{ params.startYear }}', '${{ params.nosuch }}']).replace('params:\n', `params:\n${many}\n`)
  const issue = parse(text).issues.find((i) => i.message.includes("unknown param 'nosuch'"))
  assert.ok(issue, summary(parse(text).issues))
  assert.match(issue!.hint ?? '', /^Params: p0, p1, .*, p29 and 19973 more; or declare 'nosuch' under params:\.$/)
})

refs('an output the producing component does not declare lists the outputs it has', () => {
  const text = babyweight(['${{ steps.hypertrain.outputs.jobname }}', '${{ steps.hypertrain.outputs.job }}'])
  expectIssue(parse(text).issues, "step 'traintuned': input 'jobname': step 'hypertrain' has no output 'job'", posOf(text, '${{ steps.hypertrain.outputs.job }}'), 'Outputs of hypertrain (component hypertrain): jobname.')
})

refs('a malformed reference says how to write one', () => {
  const text = babyweight(['${{ params.project }}', '${{ param.project }}'])
  expectIssue(parse(text).issues, "'param.project' is not a reference — did you mean 'params.project'?", posOf(text, '${{ param.project'), 'References look like')
})

refs('an unclosed reference', () => {
  const text = babyweight(['${{ params.project }}', '${{ params.project'])
  expectIssue(parse(text).issues, "unclosed '${{'", posOf(text, '${{ params.project'))
})

refs('text mixing references is a template binding', () => {
  const text = babyweight(['mode: local', 'mode: "gs://${{ params.bucket }}/x-${{ params.startYear }}"'])
  const {project, issues} = parse(text)
  assert.equal(issues, [])
  assert.equal(project!.steps[0].inputs.mode, {
    kind: 'template',
    parts: [{text: 'gs://'}, {param: 'bucket'}, {text: '/x-'}, {param: 'startYear'}],
  })
})

refs('after: unknown step with did-you-mean', () => {
  const text = babyweight(['resources: {cpu: 1, memory: 2G}', 'after: [hypertrian]'])
  expectIssue(parse(text).issues, "step 'traintuned': after: unknown step 'hypertrian' — did you mean 'hypertrain'?", posOf(text, 'hypertrian'))
})

refs('a step may use the output of a step listed later when there is no cycle', () => {
  // Given: deploy listed first, traintuned's output feeds it
  const text = `name: p
steps:
  - name: deploy
    inputs: {modeldir: "\${{ steps.traintuned.outputs.train }}"}
  - name: traintuned
    inputs: {jobname: x, bucket: y}
`
  // When
  const {project, issues} = parse(text)
  // Then
  assert.equal(issues, [], summary(issues))
  assert.equal(project!.steps.map((s) => s.number), [1, 2])
})

// ---------------------------------------------------------------------------------------------------------------------
const cycles = suite('parseProject: dependency cycles')

cycles('a cycle through outputs is reported with its path', () => {
  const text = babyweight(['bucket: ${{ steps.preprocess.outputs.bucket }}\n  - name: traintuned', 'bucket: ${{ steps.deploy.outputs.model }}\n  - name: traintuned'])
  const {issues} = parse(text)
  expectIssue(issues, 'dependency cycle: hypertrain → traintuned → deploy → hypertrain', posOf(text, 'hypertrain', '- name: hypertrain'), 'remove one of these references')
  assert.is(issues.find((i) => i.code === 'CYCLE')!.code, 'CYCLE')
})

cycles('a cycle through after: and a step depending on itself', () => {
  const text = babyweight(['resources: {cpu: 1, memory: 2G}', 'after: [deploy, traintuned]'])
  const {issues} = parse(text)
  expectIssue(issues, 'dependency cycle: traintuned → deploy → traintuned', posOf(text, 'traintuned\n'))
  expectIssue(issues, "step 'traintuned' depends on itself: traintuned → traintuned", posOf(text, 'traintuned\n'))
})

// ---------------------------------------------------------------------------------------------------------------------
const inputs = suite('parseProject: component inputs')

inputs('an input the component does not declare', () => {
  const text = babyweight(['      mode: local', '      mdoe: local'])
  expectIssue(parse(text).issues, "step 'preprocess': component 'preprocess' has no input 'mdoe' — did you mean 'mode'?", posOf(text, 'mdoe'), 'Inputs of preprocess: project, bucket, start_year, mode.')
})

inputs('a required input left unbound; inputs with defaults may be left out', () => {
  // Given: project is required, mode has a default
  const text = babyweight(['      project: ${{ params.project }}\n', ''], ['      mode: local\n', ''])
  // When
  const {issues} = parse(text)
  // Then
  assert.is(issues.length, 1, summary(issues))
  expectIssue(issues, "step 'preprocess': required input 'project' of component 'preprocess' is not bound", posOf(text, 'inputs:'), 'Add it under inputs:, e.g. project: ${{ params.NAME }}')
})

inputs('a step without inputs: reports unbound inputs at its name', () => {
  const text = babyweight(['    inputs:\n      bucket: ${{ steps.preprocess.outputs.bucket }}\n  - name: traintuned', '  - name: traintuned'])
  expectIssue(parse(text).issues, "step 'hypertrain': required input 'bucket' of component 'hypertrain' is not bound", posOf(text, 'hypertrain', '- name: hypertrain'))
})

// ---------------------------------------------------------------------------------------------------------------------
const types = suite('parseProject: types')

types('a literal of the wrong type for an Integer input', () => {
  const text = babyweight(['start_year: ${{ params.startYear }}', 'start_year: abc'])
  expectIssue(parse(text).issues, "step 'preprocess': input 'start_year' expects an integer, got 'abc' (a string)", posOf(text, 'abc'), 'Use a whole number, e.g. 2000.')
})

types('a quoted number for an Integer input gets "write it without quotes"', () => {
  const text = babyweight(['start_year: ${{ params.startYear }}', 'start_year: "2001"'])
  expectIssue(parse(text).issues, "expects an integer, got '2001' (a string)", posOf(text, '"2001"'), 'Write 2001 without quotes.')
})

types('a param default that does not match its declared type', () => {
  const text = babyweight(['{type: integer, default: 2000', '{type: integer, default: two thousand'])
  expectIssue(parse(text).issues, "param 'startYear': default 'two thousand' (a string) is not an integer", posOf(text, 'two thousand'), 'Use a whole number')
})

types('a string param feeding an Integer input is rejected; integer → string and literals → string are accepted', () => {
  // Given: startYear declared as a string feeds start_year (Integer); project (String) gets an integer param; mode gets 3
  const text = babyweight(['{type: integer, default: 2000', '{type: string, default: "2000"'], ['mode: local', 'mode: 3'])
  // When
  const {issues} = parse(text)
  // Then
  assert.is(issues.length, 1, summary(issues))
  expectIssue(issues, "step 'preprocess': input 'start_year' expects an integer, but param 'startYear' is a string", posOf(text, '${{ params.startYear }}'))
  const ok = parse(babyweight(['project: ${{ params.project }}', 'project: ${{ params.startYear }}'], ['mode: local', 'mode: 3']))
  assert.equal(ok.issues, [])
  assert.equal(ok.project!.steps[0].inputs.mode, {kind: 'literal', value: '3'})
})

types('integer feeds float; text with references cannot feed an Integer input', () => {
  const components = {
    a: comp({inputs: [['rate', 'Float'], ['n', 'Integer']], outputs: [['out', 'String']]}),
  }
  const good = parse(`name: p\nparams: {n: 3}\nsteps:\n- name: a\n  inputs: {rate: "\${{ params.n }}", n: 4}\n`, components)
  assert.equal(good.issues, [], summary(good.issues))
  const text = `name: p\nparams: {n: 3}\nsteps:\n- name: a\n  inputs: {rate: 0.5, n: "x\${{ params.n }}"}\n`
  expectIssue(parse(text, components).issues, "step 'a': input 'n' expects an integer, but text with references is a string", posOf(text, '"x$'))
})

types('artifacts: untyped inputs only take another step\'s artifact output', () => {
  const components = {
    a: comp({outputs: [['data'], ['name', 'String']]}),
    b: comp({inputs: [['data'], ['label', 'String']]}),
  }
  const good = `name: p\nsteps:\n- name: a\n- name: b\n  inputs: {data: "\${{ steps.a.outputs.data }}", label: "\${{ steps.a.outputs.name }}"}\n`
  assert.equal(parse(good, components).issues, [])
  const bad = `name: p\nsteps:\n- name: a\n- name: b\n  inputs: {data: gs://x, label: "\${{ steps.a.outputs.data }}"}\n`
  const {issues} = parse(bad, components)
  expectIssue(issues, "step 'b': input 'data' expects an artifact (type untyped), which can only come from another step's output or an import, got 'gs://x' (a string)", posOf(bad, 'gs://x'))
  expectIssue(issues, "step 'b': input 'label' expects a string, but output 'data' of step 'a' is an artifact", posOf(bad, '"${{ steps.a.outputs.data'))
})

types('param short forms infer their type', () => {
  const text = `name: p\nparams:\n  startYear: 2000\n  rate: 0.5\n  dry: true\n  tags: [a, b]\n  cfg: {a: 1}\n  region: us\n  empty:\nsteps: []\n`
  const {project, issues} = parse(text, {})
  assert.equal(issues, [])
  assert.equal(
    project!.params.map((p) => [p.name, p.type, p.default]),
    [
      ['startYear', 'integer', 2000],
      ['rate', 'float', 0.5],
      ['dry', 'boolean', true],
      ['tags', 'list', ['a', 'b']],
      ['cfg', 'struct', {a: 1}],
      ['region', 'string', 'us'],
      ['empty', 'string', undefined],
    ],
  )
})

// ---------------------------------------------------------------------------------------------------------------------
const res = suite('parseProject: resources, options, targets')

res('cpu and memory are checked with hints and normalized to strings', () => {
  const text = babyweight(['resources: {cpu: 1, memory: 2G}', 'resources: {cpu: lots, memory: 2GB}'])
  const {issues} = parse(text)
  expectIssue(issues, "step 'traintuned': cpu 'lots' is not a CPU quantity", posOf(text, 'lots'), "millicores ('500m')")
  expectIssue(issues, "step 'traintuned': memory '2GB' is not a memory quantity", posOf(text, '2GB'), "Write '2G' or '2Gi'.")
})

res('requests, limits, accelerator, cache, retries, env, after, fileOutputs', () => {
  const text = babyweight([
    'resources: {cpu: 1, memory: 2G}',
    `resources: {cpu: 0.5, memory: 1.5Gi, limits: {cpu: 500m, memory: 4G}, accelerator: {type: NVIDIA_TESLA_T4, count: 2}}
    cache: false
    retries: 2
    env: {LOG_LEVEL: debug, WORKERS: 4}
    after: preprocess
    fileOutputs: {metrics: /metrics.txt}`,
  ])
  const {project, issues} = parse(text)
  assert.equal(issues, [], summary(issues))
  const s = project!.steps[2]
  assert.equal(s.resources, {cpuRequest: '0.5', cpuLimit: '500m', memoryRequest: '1.5Gi', memoryLimit: '4G', accelerator: {type: 'NVIDIA_TESLA_T4', count: 2}})
  assert.is(s.cache, false)
  assert.is(s.retries, 2)
  assert.equal(s.env, {LOG_LEVEL: 'debug', WORKERS: '4'})
  assert.equal(s.after, ['preprocess'])
  assert.equal(s.fileOutputs, {metrics: '/metrics.txt'})
})

res('a step fileOutputs entry is an output other steps can use', () => {
  const text = babyweight(
    ['resources: {cpu: 1, memory: 2G}', 'fileOutputs: {metrics: /metrics.txt}'],
    ['model: babyweight', 'model: ${{ steps.traintuned.outputs.metrics }}'],
  )
  const {project, issues} = parse(text)
  assert.equal(issues, [], summary(issues))
  assert.equal(project!.steps[3].inputs.model, {kind: 'output', step: 'traintuned', output: 'metrics'})
})

res('targets: local always exists, extra fields are kept, defaultTarget must exist', () => {
  const text = babyweight(['  local: {type: local}', '  prod: {type: kfp, endpoint: "https://kfp.example.com", namespace: ml}'], ['defaultTarget: local', 'defaultTarget: prd'])
  const bad = parse(text)
  expectIssue(bad.issues, "unknown target 'prd' — did you mean 'prod'?", posOf(text, 'prd'), 'Targets: local, prod.')
  const {project} = parse(text.replace('defaultTarget: prd', 'defaultTarget: prod'))
  assert.equal(project!.targets, {
    local: {name: 'local', type: 'local'},
    prod: {name: 'prod', type: 'kfp', endpoint: 'https://kfp.example.com', namespace: 'ml'},
  })
  assert.is(project!.defaultTarget, 'prod')
  const noTargets = parse(babyweight([/targets:\n  local: \{type: local\}\ndefaultTarget: local\n/, '']))
  assert.equal(noTargets.project!.targets, {local: {name: 'local', type: 'local'}})
  assert.is(noTargets.project!.defaultTarget, 'local')
})

res("a target's type must be local or kfp", () => {
  const text = babyweight(['  local: {type: local}', '  prod: {type: kpf}'])
  expectIssue(parse(text).issues, "target 'prod': type: 'kpf' is not one of local, kfp — did you mean 'kfp'?", posOf(text, 'kpf'))
})

// ---------------------------------------------------------------------------------------------------------------------
const comps = suite('parseProject: components')

comps('a missing component folder hints at kfp component add', () => {
  const components = {preprocess: undefined, hypertrain: comp({inputs: [['bucket', 'String']], outputs: [['jobname', 'String']]})}
  const text = `name: p\nsteps:\n  - name: preprocess\n  - name: hypertrain\n    inputs: {bucket: b}\n`
  const {issues} = parse(text, components)
  assert.is(issues.length, 1, summary(issues))
  expectIssue(issues, "step 'preprocess': component 'preprocess' not found: components/preprocess/component.yaml does not exist", '3:11', 'Create it with `kfp component add preprocess`.')
})

comps('a missing component.yaml image is located in component.yaml', () => {
  const text = comp({inputs: [['x', 'String']]}).replace('    image: busybox\n', '')
  const {issues} = parse('name: p\nsteps:\n- name: a\n  inputs: {x: 1}\n', {a: text})
  expectIssue(issues, "missing required key 'image'", posOf(text, 'command'), 'implementation.container.image', '/proj/components/a/component.yaml')
})

comps('a placeholder naming an undeclared input or output', () => {
  const text = comp({inputs: [['bucket', 'String']], outputs: [['out', 'String']], args: '[{inputValue: buckt}, {outputPath: result}, {inputValue: out}]'})
  const {issues} = parse('name: p\nsteps:\n- name: a\n  inputs: {bucket: b}\n', {a: text})
  const file = '/proj/components/a/component.yaml'
  expectIssue(issues, "{inputValue: buckt} names an input that is not declared — did you mean 'bucket'?", posOf(text, 'buckt'), 'Declare it under inputs:', file)
  expectIssue(issues, '{outputPath: result} names an output that is not declared', posOf(text, 'result'), 'declared: out', file)
  expectIssue(issues, '{inputValue: out} names an input', posOf(text, 'out}]'), "'out' is an output; use {outputPath: out}.", file)
})

comps('an unknown placeholder and an unknown key in component.yaml', () => {
  const text = comp({inputs: [['x', 'String']], args: '[{inputVal: x}]'}).replace('    image: busybox', '    image: busybox\n    entrypoint: [sh]')
  const {issues} = parse('name: p\nsteps:\n- name: a\n  inputs: {x: v}\n', {a: text})
  const file = '/proj/components/a/component.yaml'
  expectIssue(issues, "unknown placeholder 'inputVal' — did you mean 'inputValue'?", posOf(text, 'inputVal:'), undefined, file)
  expectIssue(issues, "unknown key 'entrypoint' in implementation.container", posOf(text, 'entrypoint'), undefined, file)
})

comps('a YAML error in component.yaml is located in that file', () => {
  const {issues} = parse('name: p\nsteps:\n- name: a\n', {a: 'name: a\ninputs: [\n'})
  assert.is(issues[0].file, '/proj/components/a/component.yaml')
  assert.is(issues[0].code, 'YAML_SYNTAX')
})

comps('a default that does not match the input type', () => {
  const text = comp({inputs: [['n', 'Integer', 'many']]})
  const {issues} = parse('name: p\nsteps:\n- name: a\n', {a: text})
  expectIssue(issues, "default of input 'n' 'many' is not an integer (its type is Integer)", posOf(text, "'many'"), undefined, '/proj/components/a/component.yaml')
})

comps('v1 types map to parameter types; other types are artifacts', () => {
  const text = comp({
    inputs: [['a', 'String'], ['b', 'str'], ['c', 'Integer'], ['d', 'int'], ['e', 'Float'], ['f', 'Boolean'], ['g', 'JsonArray'], ['h', 'JsonObject'], ['i', 'Dict'], ['j'], ['k', 'URI'], ['l', 'text'], ['m', 'double'], ['n', 'bool'], ['o', 'List']],
  })
  const {project, issues} = parse('name: p\nsteps:\n- name: a\n  inputs: {a: x, b: x, c: 1, d: 1, e: 1, f: true, g: [], h: {}, i: {}, l: x, m: 1, n: false, o: []}\n'.replace('}\n', '}\n'), {a: text.replace('- {name: j}', '- {name: j, optional: true}').replace('- {name: k, type: URI}', '- {name: k, type: URI, optional: true}')})
  assert.equal(issues, [], summary(issues))
  assert.equal(
    project!.components.a.inputs.map((i) => `${i.name}:${i.kind === 'artifact' ? 'artifact' : i.paramType}`),
    ['a:string', 'b:string', 'c:integer', 'd:integer', 'e:float', 'f:boolean', 'g:list', 'h:struct', 'i:struct', 'j:artifact', 'k:artifact', 'l:string', 'm:float', 'n:boolean', 'o:list'],
  )
})

comps('fileOutputs at the top level or under implementation.container become String outputs', () => {
  const text = comp({inputs: [['bucket', 'String']]}) + 'fileOutputs: {bucket: /output.txt}\n'
  const text2 = comp({}).replace('    image: busybox', '    image: busybox\n    fileOutputs: {jobname: /output.txt}')
  const {project, issues} = parse('name: p\nsteps:\n- name: a\n  inputs: {bucket: b}\n- name: b\n  inputs: {}\n- name: c\n  component: a\n  inputs: {bucket: "${{ steps.b.outputs.jobname }}-${{ steps.a.outputs.bucket }}"}\n', {a: text, b: text2})
  assert.equal(issues, [], summary(issues))
  assert.equal(project!.components.a.fileOutputs, {bucket: '/output.txt'})
  assert.equal(project!.components.a.outputs.map((o) => [o.name, o.paramType]), [['bucket', 'string']])
  assert.equal(project!.components.b.fileOutputs, {jobname: '/output.txt'})
  assert.equal(project!.steps[0].fileOutputs, {bucket: '/output.txt'})
})

for (const s of [ok, yamlErr, schema, names, refs, cycles, inputs, types, res, comps]) s.run()
