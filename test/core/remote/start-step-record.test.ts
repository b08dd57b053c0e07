// What a --start-step run on a server keeps of its reuse in the run's description and its pruned spec (src/core/remote/start-step-record.ts).
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {MAX_RUN_DESCRIPTION, MAX_SPEC_DESCRIPTION, readStartStepRecord, runDescription, specWithRecord, startStepDescription, startStepRecord, startStepRecordOf} from '../../../src/core/remote/start-step-record.js'

const leaves = [
  {path: 'make-data', number: 1},
  {path: 'for-loop-2/trial', number: 2},
  {path: 'pick-best', number: 3},
  {path: 'summary', number: 4},
]
const server = {id: 'run-1', name: 'whole', where: 'server' as const}
const name = (p: string) => p.split('/').at(-1)!
type In = Parameters<typeof startStepRecord>[0]
const rec = (o: Omit<In, 'leaves' | 'stepName' | 'imported'> & {imported?: In['imported']}) => startStepRecord({leaves, stepName: name, imported: [], ...o})

const R = suite('startStepRecord')
R('each step before N says where its outputs came from: the source run (every iteration of a loop step), --set-output, or nothing', () => {
  const cases: Array<[string, Parameters<typeof startStepRecord>[0]['reused'], Array<Record<string, unknown>>]> = [
    [
      'all from the source run',
      [['make-data', {runId: 'run-1', runName: 'whole', task: 'make-data'}], ['for-loop-2[0]/trial', {runId: 'run-1'}], ['for-loop-2[1]/trial', {runId: 'run-1'}]],
      [{number: 1, step: 'make-data', path: 'make-data', fromRun: server}, {number: 2, step: 'trial', path: 'for-loop-2/trial', fromRun: server}],
    ],
    [
      'one from --set-output, one with no outputs reused',
      [['make-data', {setOutputs: ['rows']}]],
      [{number: 1, step: 'make-data', path: 'make-data', setOutputs: ['rows']}, {number: 2, step: 'trial', path: 'for-loop-2/trial'}],
    ],
    ['both for one step', [['make-data', {runId: 'run-1', setOutputs: ['rows']}]], [{number: 1, step: 'make-data', path: 'make-data', fromRun: server, setOutputs: ['rows']}, {number: 2, step: 'trial', path: 'for-loop-2/trial'}]],
  ]
  for (const [what, reused, want] of cases) {
    const r = rec({ start: {path: 'pick-best', number: 3}, reused, fromRun: server})
    assert.equal(r.reused, want, what)
    assert.equal(r.start, {number: 3, step: 'pick-best', path: 'pick-best'}, what)
    assert.equal(r.numbers, {'pick-best': 3, summary: 4}, what)
  }
  const imp = rec({start: {path: 'pick-best', number: 3}, reused: [['make-data', {runId: 'run-1'}]], fromRun: server, imported: [{importer: 'importer-make-data-data', step: 'make-data', output: 'data'}]})
  assert.equal(imp.imports, {'importer-make-data-data': {step: 'make-data', output: 'data'}})
})

R('the description: a sentence for people, then the record, which reads back as written', () => {
  const r = rec({ start: {path: 'pick-best', number: 3}, reused: [['make-data', {runId: 'run-1'}], ['for-loop-2[0]/trial', {runId: 'run-1', setOutputs: ['rmse']}]], fromRun: server})
  const text = startStepDescription(r)
  assert.is(text.split('\n')[0], 'Started by kfp run --start-step at step 3 (pick-best); the steps before it were not run and reuse outputs of run whole (run-1) and --set-output trial.rmse.')
  assert.equal(readStartStepRecord(text), r)
  assert.equal(readStartStepRecord(`My own words.\n${text}`), r)
  const local = rec({ start: {path: 'summary', number: 4}, reused: [['pick-best', {runId: 'l-1'}]], fromRun: {id: 'l-1', name: 'laptop', where: 'local'}})
  assert.match(startStepDescription(local), 'reuse outputs of LOCAL run laptop (l-1).')
  const none = rec({ start: {path: 'for-loop-2/trial', number: 2}, reused: [], fromRun: undefined})
  assert.is(startStepDescription(none).split('\n')[0], 'Started by kfp run --start-step at step 2 (trial); the steps before it were not run.')
})

R('the run description keeps at most 255 characters (MySQL): the record when all fits, else the sentence, else only the own words', () => {
  const small = startStepRecord({leaves: [{path: 'a', number: 1}, {path: 'b', number: 2}], stepName: (p) => p, start: {path: 'b', number: 2}, reused: [], imported: []})
  const [sentence, line] = startStepDescription(small).split('\n')
  assert.ok(sentence.length + 1 + line.length <= MAX_RUN_DESCRIPTION)
  assert.equal(runDescription(undefined, small), {description: `${sentence}\n${line}`, recordKept: true})
  assert.equal(readStartStepRecord(runDescription('Mine.', small).description), small)
  const big = rec({start: {path: 'pick-best', number: 3}, reused: [['make-data', {runId: 'run-1'}], ['for-loop-2[0]/trial', {runId: 'run-1', setOutputs: ['rmse']}]], fromRun: server})
  assert.equal(runDescription(undefined, big), {description: startStepDescription(big).split('\n')[0], recordKept: false})
  const own = 'é'.repeat(MAX_RUN_DESCRIPTION - 1)
  assert.equal(runDescription(own, big), {description: own, recordKept: false}, 'characters, not bytes: the own words fit, the sentence not')
  assert.equal(runDescription('Mine.', undefined), {description: 'Mine.', recordKept: false})
  assert.equal(runDescription(undefined, undefined), {description: undefined, recordKept: false})
})

R('the pruned spec keeps the record after the pipeline\'s own description, within 1024 characters; the record is read from the description or the spec', () => {
  const big = rec({start: {path: 'pick-best', number: 3}, reused: [['make-data', {runId: 'run-1'}], ['for-loop-2[0]/trial', {runId: 'run-1', setOutputs: ['rmse']}]], fromRun: server})
  const spec = {pipelineInfo: {name: 'p', description: 'Tune a model.'}, root: {}}
  const kept = specWithRecord(spec, big)!
  assert.is(kept.pipelineInfo.description!.split('\n')[0], 'Tune a model.')
  assert.is(kept.root, spec.root)
  assert.is(spec.pipelineInfo.description, 'Tune a model.', 'the spec given is not changed')
  assert.equal(startStepRecordOf({description: 'Started by kfp run --start-step at step 3 (pick-best).'}, kept), big)
  // Too long with the pipeline's description: the record alone; too long alone: not kept
  const long = specWithRecord({pipelineInfo: {name: 'p', description: 'x'.repeat(MAX_SPEC_DESCRIPTION)}}, big)!
  assert.equal(readStartStepRecord(long.pipelineInfo.description), big)
  assert.not.match(long.pipelineInfo.description!, 'xxx')
  const huge = rec({start: {path: 'pick-best', number: 3}, reused: [['make-data', {runId: 'r'.repeat(MAX_SPEC_DESCRIPTION)}]], fromRun: {...server, id: 'r'.repeat(MAX_SPEC_DESCRIPTION)}})
  assert.is(specWithRecord(spec, huge), undefined)
  // A description that holds the record (a server keeping it whole) is read first
  const small = startStepRecord({leaves: [{path: 'a', number: 1}, {path: 'b', number: 2}], stepName: (p) => p, start: {path: 'b', number: 2}, reused: [], imported: []})
  assert.equal(startStepRecordOf({description: startStepDescription(small)}, kept), small)
  assert.is(startStepRecordOf({description: 'Mine.'}, {pipelineInfo: {description: 'Tune a model.'}}), undefined)
  assert.is(startStepRecordOf({}, undefined), undefined)
})

R('any other description reads as no record, also one that only looks like it', () => {
  const good = startStepDescription(rec({ start: {path: 'pick-best', number: 3}, reused: [], fromRun: undefined}))
  const json = good.split('\n')[1].slice('kfp-start-step/v1 '.length)
  const bad = (f: (o: any) => void) => {
    const o = JSON.parse(json)
    f(o)
    return `kfp-start-step/v1 ${JSON.stringify(o)}`
  }
  for (const d of [
    undefined,
    '',
    'A run of the weekly retrain.',
    'kfp-start-step/v1 {not json',
    'kfp-start-step/v1 [1,2]',
    bad((o) => delete o.start),
    bad((o) => (o.reused = [{number: '1', step: 'a', path: 'a'}])),
    bad((o) => (o.reused = [{number: 1, step: 'a', path: 'a', fromRun: {id: 'x', name: 'y', where: 'mars'}}])),
    bad((o) => (o.numbers = {a: 'one'})),
    bad((o) => delete o.imports),
    bad((o) => (o.imports = {i: {step: 'a'}})),
    ` ${good.split('\n')[1]}`,
  ])
    assert.is(readStartStepRecord(d), undefined, String(d))
})

R.run()
