/**
 * The SDK corpus: which pipelines of test/fixtures/ir/sdk/valid run, with what, and what their Python source (or
 * container command) implies they output. Shared by test/e2e/sdk-corpus-process.test.ts and
 * sdk-corpus-docker.test.ts; converted by test/helpers/sdk-corpus.ts.
 */
import {chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import * as assert from 'uvu/assert'
import type {RunRecord, TaskRecord} from '../../src/core/engine/record.js'
import {loadIrDocuments} from '../../src/core/ir/read.js'
import type {PipelineSpec} from '../../src/core/ir/types.js'
import {runCli} from './cli.js'
import {startGcsEmulator} from './gcs-emulator.js'
import {containerizePythonFunctions, CORPUS_IMAGE} from './sdk-corpus.js'
import {fixturesDir} from '../core/engine/helpers.js'

/** What a case sees after its run. */
export interface Outcome {
  code: number | null
  stderr: string
  run: RunRecord
  /** The log of a task (by key or display name). */
  log(task: string): string
  task(name: string): TaskRecord
  /** Working folder of the run (fixtures written by `setup`). */
  dir: string
}

export interface Case {
  /** Under test/fixtures/ir/, without .yaml. */
  file: string
  /** Extra `kfp run` arguments (--param, --artifact); `dir` is the run's working folder. */
  args?: (dir: string) => string[]
  setup?: (dir: string) => void
  /** Runs the pipeline twice (caching): `check` gets the second outcome, `first` the first one. */
  twice?: boolean
  check: (o: Outcome, first?: Outcome) => void
}

const ok = (o: Outcome) => assert.is(o.code, 0, o.stderr)
const logHas = (o: Outcome, task: string, text: string) => assert.match(o.log(task), text)

/** Runs on both runners today. */
export const CASES: Case[] = [
  // Container components.
  {file: 'sdk/valid/hello_world', check: (o) => (ok(o), logHas(o, 'echo', 'hello world'))},
  {file: 'sdk/valid/arguments_parameters', args: () => ['--param', 'param2=world'], check: (o) => (ok(o), logHas(o, 'echo', 'hello-world'))},
  {
    file: 'sdk/valid/container_io',
    args: () => ['--param', 'text=hi'],
    check: (o) => {
      ok(o)
      logHas(o, 'container-io', 'my_program hi --output_path ')
      assert.is(o.task('container-io').outputs.parameters.output_path, 'written by my_program')
    },
  },
  {
    // A step that exits 0 without writing an output parameter fails (launcher_v2.go collectOutputParameters).
    file: 'sdk/valid/container_io',
    args: () => ['--param', 'text=skip-output'],
    check: (o) => {
      assert.is(o.code, 7, o.stderr)
      assert.is(o.task('container-io').status, 'failed')
      assert.match(o.task('container-io').message!, "did not write output parameter 'output_path'")
    },
  },
  {
    // The Concat mixes a parameter and an output artifact's URI; my_program never writes the artifact, which the
    // launcher allows ("We allow components to not produce output files").
    file: 'sdk/valid/container_with_concat_placeholder',
    args: () => ['--param', 'text1=t1'],
    check: (o) => {
      ok(o)
      const uri = o.task('container-with-concat-placeholder').outputs.artifacts.text2.uri
      logHas(o, 'container-with-concat-placeholder', `my_program prefix-t1${uri} --output_path`)
      logHas(o, 'container-with-concat-placeholder', "output artifact 'text2' was not written")
    },
  },
  {
    file: 'sdk/valid/container_with_if_placeholder',
    check: (o) => {
      ok(o)
      const uri = o.task('container-with-if-placeholder').outputs.artifacts.dataset.uri
      logHas(o, 'container-with-if-placeholder', `my_program default --dataset ${uri} --output_path`)
    },
  },
  {
    file: 'sdk/valid/container_with_placeholder_in_fstring',
    check: (o) => {
      ok(o)
      const uri = o.task('container-with-placeholder-in-fstring').outputs.artifacts.output_artifact.uri
      logHas(o, 'container-with-placeholder-in-fstring', `my_program prefix-text! ${uri}/0`)
    },
  },
  {file: 'sdk/valid/critical/container_component_with_no_inputs', check: (o) => (ok(o), logHas(o, 'hello-world-container', 'hello world'))},
  {
    file: 'sdk/valid/critical/producer_consumer_param_pipeline',
    check: (o) => {
      ok(o)
      assert.is(o.task('producer').outputs.parameters.output_value, 'Hello world, this is an output parameter')
      logHas(o, 'consumer', 'Hello world, this is an output parameter')
    },
  },
  {file: 'sdk/valid/essential/container_no_input', check: (o) => (ok(o), logHas(o, 'container-no-input', 'hello world'))},
  {
    file: 'sdk/valid/essential/pipeline_with_after',
    check: (o) => {
      ok(o)
      for (const [t, text] of [['print-text', '1st task'], ['print-text-2', '2nd task'], ['print-text-3', '3rd task']]) logHas(o, t, text)
      // dependentTasks order: 2 after 1, 3 after 1 and 2
      assert.ok(Date.parse(o.task('print-text-3').startedAt!) >= Date.parse(o.task('print-text-2').finishedAt!))
    },
  },
  {
    file: 'sdk/valid/essential/placeholder_with_if_placeholder_none_input_value',
    check: (o) => (ok(o), logHas(o, 'component-with-optional-inputs', '--arg0 input0 --arg2 default value')),
  },
  // `[[ "$0" == 'one+two=three' ]]` inside the step checks the Concat.
  {file: 'sdk/valid/pipeline_with_concat_placeholder', check: (o) => ok(o)},
  {file: 'sdk/valid/pipeline_with_only_display_name', check: (o) => (ok(o), logHas(o, 'echo', 'hello world'))},
  {
    file: 'sdk/valid/critical/two_step_pipeline_containerized',
    check: (o) => (ok(o), logHas(o, 'component2', 'Hello KFP Containerized!')),
  },
  {
    file: 'sdk/valid/two_step_pipeline',
    check: (o) => (ok(o), logHas(o, 'read-from-gcs', 'Hello KFP!')),
  },
  {
    file: 'sdk/valid/sequential_v2',
    // In the run's .kfp folder, which Docker steps see at the same path.
    setup: (dir) => (mkdirSync(path.join(dir, '.kfp'), {recursive: true}), writeFileSync(path.join(dir, '.kfp', 'shakespeare.txt'), 'To be, or not to be')),
    args: (dir) => ['--param', `url=${path.join(dir, '.kfp', 'shakespeare.txt')}`],
    check: (o) => {
      ok(o)
      assert.is(o.task('download').outputs.parameters.downloaded, 'To be, or not to be')
      logHas(o, 'echo', 'To be, or not to be')
    },
  },
  // Python-function components (converted: the same {{$}} executor input, an ExecutorOutput file back).
  {file: 'sdk/valid/critical/add_numbers', args: () => ['--param', 'a=2', '--param', 'b=40'], check: (o) => (ok(o), assert.is(o.task('add-numbers').outputs.parameters.Output, 42))},
  {
    file: 'sdk/valid/essential/concat_message',
    args: () => ['--param', 'message1=Hello ', '--param', 'message2=KFP'],
    check: (o) => (ok(o), assert.is(o.task('concat-message').outputs.parameters.Output, 'Hello KFP')),
  },
  {
    file: 'sdk/valid/containerized_python_component',
    args: () => ['--param', 'message1=a"b', '--param', 'message2=\\c'],
    check: (o) => (ok(o), assert.is(o.task('concat-message').outputs.parameters.Output, 'a"b\\c')),
  },
  // a=1.0, b=7.0 by default; retryPolicy maxRetryCount 3 (not needed: it succeeds).
  {file: 'sdk/valid/critical/pipeline_with_retry', check: (o) => (ok(o), assert.is(o.task('add').outputs.parameters.Output, 8), assert.is(o.task('add').attempts, 1))},
  {
    // add(2, 3) = 5, add(5, b=5) = 10, add(10, 7) = 17
    file: 'sdk/valid/essential/pipeline_with_reused_component',
    check: (o) => {
      ok(o)
      assert.equal(['add-numbers', 'add-numbers-2', 'add-numbers-3'].map((t) => o.task(t).outputs.parameters.Output), [5, 10, 17])
    },
  },
  {file: 'sdk/valid/essential/dict_input', args: () => ['--param', 'struct={"a": 1, "b": [2]}'], check: (o) => (ok(o), logHas(o, 'dict-input', '{"a":1,"b":[2]}'))},
  {file: 'sdk/valid/identity', args: () => ['--param', 'value=same'], check: (o) => (ok(o), assert.is(o.task('identity').outputs.parameters.Output, 'same'))},
  {
    file: 'sdk/valid/input_artifact',
    setup: (dir) => writeFileSync(path.join(dir, 'data.csv'), 'x,y\n1,2'),
    args: () => ['--artifact', 'data=data.csv'],
    check: (o) => {
      ok(o)
      const log = o.log('input-artifact')
      assert.match(log, `data\n${path.join(o.dir, 'data.csv')}\n{}\n`)
      assert.match(log, 'content: x,y\n1,2')
    },
  },
  {
    file: 'sdk/valid/essential/lightweight_python_functions_with_outputs',
    args: () => ['--param', 'first_message=ab', '--param', 'second_message=c', '--param', 'first_number=1', '--param', 'second_number=2'],
    check: (o) => {
      ok(o)
      assert.is(o.task('add-numbers').outputs.parameters.Output, 3)
      assert.is(o.task('concat-message').outputs.parameters.Output, 'abc')
      // output_artifact: '\n'.join(['abc'] * 3)
      assert.is(readFileSync(o.task('output-artifact').outputs.artifacts.Output.uri, 'utf8'), 'abc\nabc\nabc')
      const nt = o.task('output-named-tuple').outputs
      assert.is(nt.parameters.scalar, '123')
      assert.is(readFileSync(nt.artifacts.model.uri, 'utf8'), 'Model contents: abc\nabc\nabc')
      assert.equal(JSON.parse(readFileSync(nt.artifacts.metrics.uri, 'utf8')).metrics[0].numberValue, 0.9)
      assert.equal(nt.artifacts.model.type, {schemaTitle: 'system.Model', schemaVersion: '0.0.1'})
    },
  },
  {
    file: 'sdk/valid/essential/lightweight_python_functions_pipeline',
    args: () => ['--param', 'message=msg'],
    check: (o) => {
      ok(o)
      const pre = o.task('preprocess').outputs
      assert.is(pre.parameters.output_parameter_path, 'msg')
      assert.is(pre.parameters.output_bool_parameter_path, true)
      assert.equal(pre.parameters.output_dict_parameter_path, {A: 1, B: 2})
      assert.equal(pre.parameters.output_list_parameter_path, ['a', 'b', 'c'])
      const model = o.task('train').outputs.artifacts.model
      // num_steps defaults to 100; the metadata the function set comes back through the executor output.
      const text = readFileSync(model.uri, 'utf8')
      assert.is(text.split('=====\n').length - 1, 100)
      assert.match(text, 'Step 99\ndataset_one_contents: msg || dataset_two_contents: msg || message: msg || input_bool: true')
      assert.equal(model.metadata, {accuracy: 0.9})
    },
  },
  {
    file: 'sdk/valid/critical/component_with_optional_inputs',
    check: (o) => (ok(o), logHas(o, 'component-op', 'input1: Hello\ninput2: World\ninput3: None')),
  },
  {
    file: 'sdk/valid/pipeline_with_metadata_fields',
    setup: (dir) => writeFileSync(path.join(dir, 'b.txt'), '+B'),
    args: (dir) => ['--param', 'string=A', '--artifact', `in_dataset=${path.join(dir, 'b.txt')}`],
    check: (o) => {
      ok(o)
      const j = o.task('dataset-joiner').outputs
      assert.is(j.parameters.Output, 'A+B')
      assert.is(readFileSync(j.artifacts.out_dataset.uri, 'utf8'), 'A+B')
    },
  },
  {
    file: 'sdk/valid/component_with_metadata_fields',
    setup: (dir) => (writeFileSync(path.join(dir, 'a.txt'), 'left-'), writeFileSync(path.join(dir, 'b.txt'), 'right')),
    args: () => ['--artifact', 'dataset_a=a.txt', '--artifact', 'dataset_b=b.txt'],
    check: (o) => (ok(o), assert.is(o.task('dataset-joiner').outputs.parameters.Output, 'left-right')),
  },
  {
    // metrics.log_metric('accuracy', randint(0, 100)): metadata only, no file (allowed).
    file: 'sdk/valid/output_metrics',
    check: (o) => {
      ok(o)
      const m = o.task('output-metrics').outputs.artifacts.metrics
      const acc = m.metadata?.accuracy as number
      assert.ok(Number.isInteger(acc) && acc >= 0 && acc <= 100, JSON.stringify(m))
    },
  },
  {
    // The second run of the same step with the same input is reused from the cache.
    file: 'sdk/valid/local_execution/pipeline_with_caching',
    args: () => ['--param', 'x=41'],
    twice: true,
    check: (o, first) => {
      ok(first!)
      assert.is(first!.task('add-one').status, 'succeeded')
      ok(o)
      assert.is(o.task('add-one').status, 'cached')
      assert.is(o.task('add-one').outputs.parameters.Output, 42)
    },
  },
  {
    // flaky() fails its first attempt; retryPolicy (maxRetryCount 3, no backoff) runs it again.
    file: 'sdk/valid/local_execution/local_execution_pipeline_with_retry',
    args: (dir) => ['--param', `counter_path=${path.join(dir, '.kfp', 'flaky-counter')}`],
    setup: (dir) => mkdirSync(path.join(dir, '.kfp'), {recursive: true}),
    check: (o) => {
      ok(o)
      assert.is(o.task('flaky').attempts, 2)
      assert.is(o.task('flaky').outputs.parameters.Output, 'attempt=2')
      logHas(o, 'flaky', 'RuntimeError: flaky attempt 1')
    },
  },
  {
    file: 'sdk/valid/failing/fail_v2',
    check: (o) => {
      assert.is(o.code, 7, o.stderr)
      assert.is(o.task('fail').status, 'failed')
      assert.match(o.task('fail').message!, 'exited with code 1')
    },
  },
  {file: 'sdk/valid/nested_return', check: (o) => (ok(o), assert.equal(o.task('nested-return').outputs.parameters.Output, [{A_a: '1', B_b: '2'}, {A_a: '10', B_b: '20'}]))},
  {file: 'sdk/valid/pipeline_with_string_machine_fields_pipeline_input', check: (o) => (ok(o), assert.is(o.task('sum-numbers').outputs.parameters.Output, 3))},
  {
    // The step reads the variable its parameter names; KFP_PIPELINE_ROOT is in every step's environment.
    file: 'sdk/valid/env-var',
    args: () => ['--param', 'env_var=KFP_PIPELINE_ROOT'],
    check: (o) => (ok(o), assert.is(o.task('comp').outputs.parameters.Output, o.run.pipelineRoot)),
  },
  {file: 'sdk/valid/essential/component_with_env_variable', check: (o) => (ok(o), assert.is(o.task('read-env-var').outputs.parameters.Output, 'env_var_value'))},
  {
    // The pipeline_* placeholders given as task constants are filled in (driver/resolve.go resolveInputParameter):
    // job_name is the display name, job_resource_name the run's unique object name (driver.go RunName).
    file: 'sdk/valid/critical/pipeline_with_placeholders',
    check: (o) => {
      ok(o)
      logHas(o, 'print-all-placeholders', `${o.run.name}, pipeline-with-placeholders-${o.run.id}, ${o.run.id}, print-all-placeholders, ${o.run.id}-print-all-placeholders`)
    },
  },
  {
    file: 'sdk/valid/take_nap_compiled',
    args: () => ['--param', 'naptime_secs=0'],
    check: (o) => (ok(o), logHas(o, 'wake-up', "I'm awake now. Did I snore?")),
  },
  // Control flow (the ir-golden files, test/fixtures/ir/*.yaml, and SDK ones) and importers.
  {
    // flip_coin_op() then, when heads, a second flip and print_op(s) inside condition-1.
    file: 'pipeline_with_condition',
    check: (o) => {
      ok(o)
      const coin = o.task('flip-coin-op').outputs.parameters.Output
      assert.ok(coin === 'heads' || coin === 'tails', String(coin))
      const cond = o.task('condition-1')
      assert.equal(cond.condition?.result, coin === 'heads')
      assert.is(cond.status, coin === 'heads' ? 'succeeded' : 'skipped')
      if (coin === 'heads') assert.ok(['heads', 'tails'].includes(o.task('condition-1/flip-coin-op-2').outputs.parameters.Output as string))
    },
  },
  {
    // args_generator_op() → two structs; the loops run their bodies once per item, items in order.
    file: 'pipeline_with_loops',
    args: () => ['--param', 'loop_parameter=["a", "b"]'],
    check: (o) => {
      ok(o)
      assert.equal(o.task('args-generator-op').outputs.parameters.Output, [{A_a: '1', B_b: '2'}, {A_a: '10', B_b: '20'}])
      const texts = ['for-loop-1[0]/print-text', 'for-loop-1[1]/print-text'].map((t) => o.log(t).trim())
      assert.equal(texts, ['a', 'b'])
      assert.is(o.task('for-loop-2').iterations, 2)
    },
  },
  {
    // Each component raises unless the nested pipeline passed the parent's value (not its own default).
    file: 'nested_pipeline_opt_inputs_parent_level_compiled',
    check: (o) => {
      ok(o)
      for (const t of ['nested-pipeline-nil-defaults/component-nil-str-default', 'nested-pipeline-non-nil-defaults/component-int-default']) assert.is(o.task(t).status, 'succeeded')
    },
  },
  {
    // Container components only: flip a coin, then a random number, nested conditions on both.
    file: 'sdk/valid/essential/pipeline_with_nested_conditions_yaml',
    check: (o) => {
      ok(o)
      const coin = o.task('flip-coin').outputs.parameters.output
      assert.is(o.task('condition-1').status, coin === 'heads' ? 'succeeded' : 'skipped')
      assert.is(o.task('condition-4').status, coin === 'tails' ? 'succeeded' : 'skipped')
    },
  },
  {
    // importer (URI from a parameter, metadata from parameters) and importer-2 (a gs:// constant, metadata from
    // make_name's output), downloaded from the GCS emulator.
    file: 'sdk/valid/pipeline_with_dynamic_importer_metadata',
    setup: (dir) => writeFileSync(path.join(dir, 'data.txt'), 'imported'),
    args: (dir) => ['--param', `pipeline_input_artifact_uri=${path.join(dir, 'data.txt')}`, '--param', 'name=n1'],
    check: (o) => {
      ok(o)
      const a = o.task('importer').outputs.artifacts.artifact
      assert.is(a.uri, path.join(o.dir, 'data.txt'))
      assert.equal(a.metadata, {containerSpec: {imageUri: 'us-docker.pkg.dev/vertex-ai/prediction/tf2-gpu.2-5:latest'}, name: ['n1', 'alias-name']})
      const b = o.task('importer-2').outputs.artifacts.artifact
      assert.is(b.uri, 'gs://ml-pipeline-playground/shakespeare1.txt')
      assert.is(readFileSync(b.customPath!, 'utf8'), SHAKESPEARE1)
      assert.equal(b.metadata, {
        containerSpec: {imageUri: 'us-docker.pkg.dev/vertex-ai/prediction/tf2-gpu.2-5:latest'},
        'list-of-data': ['a-different-name', 'n1', '1'],
        name: 'prefix-a-different-name',
        'a-different-name': 'a-different-name',
        n1: 'us-docker.pkg.dev/vertex-ai/prediction/tf2-gpu.2-5:latest',
      })
    },
  },
  {
    // importer (gs:// constant) → train; when train's scalar is '123', importer-2 (the dataset2 parameter) → train-2.
    file: 'sdk/valid/pipeline_with_importer',
    check: (o) => {
      ok(o)
      logHas(o, 'train', `Dataset: ${SHAKESPEARE1}`)
      assert.is(o.task('train').outputs.parameters.scalar, '123')
      assert.is(readFileSync(o.task('train').outputs.artifacts.model.uri, 'utf8'), `My model trained using data: ${SHAKESPEARE1}`)
      assert.is(o.task('condition-1').status, 'succeeded')
      assert.is(readFileSync(o.task('condition-1/train-2').outputs.artifacts.model.uri, 'utf8'), `My model trained using data: ${SHAKESPEARE2}`)
    },
  },
  {
    // dsl.Collected over artifacts: read_and_join gets the list of the three iterations' artifacts ('0', '1', '2').
    file: 'sdk/valid/local_execution/pipeline_with_collected_artifacts',
    check: (o) => (ok(o), assert.is(o.task('read-and-join').outputs.parameters.Output, '0,1,2')),
  },
  {
    // split_ids('s1,s2,s3') → a loop of prepend_id; consume_ids gets the collected list, in item order.
    file: 'sdk/valid/critical/collected_parameters',
    check: (o) => {
      ok(o)
      assert.equal(o.task('collecting-parameters').outputs.parameters.Output, ['model_id_s1', 'model_id_s2', 'model_id_s3'])
      logHas(o, 'consume-ids', 'Consuming: model_id_s1\nConsuming: model_id_s2\nConsuming: model_id_s3\n')
    },
  },
  {
    // The optional pipeline input artifact dataset1 is left out: the printers say so; the imported one is printed.
    file: 'sdk/valid/components_with_optional_artifacts',
    check: (o) => {
      ok(o)
      logHas(o, 'custom-artifact-printer', 'No artifact provided!')
      logHas(o, 'inner-pipeline-2/python-artifact-printer', 'No artifact provided!')
      logHas(o, 'inner-pipeline/python-artifact-printer', 'artifact\ngs://ml-pipeline-playground/shakespeare1.txt\n{}\n')
    },
  },
  {
    // The same with dataset1 given: IfPresent takes its Then branch.
    file: 'sdk/valid/components_with_optional_artifacts',
    setup: (dir) => writeFileSync(path.join(dir, 'd1.csv'), 'd1'),
    args: () => ['--artifact', 'dataset1=d1.csv'],
    check: (o) => (ok(o), logHas(o, 'custom-artifact-printer', path.join(o.dir, 'd1.csv'))),
  },
  {
    // A second run of the loops pipeline reuses every iteration's step from the cache (keys per iteration input).
    file: 'pipeline_with_loops',
    args: () => ['--param', 'loop_parameter=["a", "b"]'],
    twice: true,
    check: (o, first) => {
      ok(first!)
      ok(o)
      const steps = o.run.tasks.filter((t) => !t.kind)
      assert.ok(steps.length >= 10, String(steps.length))
      assert.equal(steps.filter((t) => t.status !== 'cached').map((t) => t.name), [])
    },
  },
]

/**
 * Waiting for the engine's scheduler (helper `engine`): each must be refused up front (exit 3, naming the feature);
 * the test fails loudly as soon as the engine accepts one, so that it moves into CASES with a `check`. Empty since
 * the engine runs control flow and importers: the control-flow files of ../shared/kfp-reference/ir-golden and the
 * importer pipelines are in CASES.
 */
export const WAITING_FOR_ENGINE: Case[] = []

const SHAKESPEARE1 = 'From fairest creatures we desire increase'
const SHAKESPEARE2 = 'When forty winters shall besiege thy brow'

/** The GCS emulator the importers download from (STORAGE_EMULATOR_HOST for the CLI), with the objects the corpus imports. */
export async function startCorpusGcs(): Promise<{env: Record<string, string>; close: () => Promise<void>}> {
  const emu = await startGcsEmulator({buckets: ['ml-pipeline-playground']})
  emu.put('ml-pipeline-playground', 'shakespeare1.txt', SHAKESPEARE1)
  emu.put('ml-pipeline-playground', 'shakespeare2.txt', SHAKESPEARE2)
  // In a real environment, @google-cloud/storage takes STORAGE_EMULATOR_HOST as the JSON API's base URL.
  return {env: {STORAGE_EMULATOR_HOST: `${emu.url}/storage/v1`}, close: () => emu.close()}
}

/** Shims the corpus' container components call (`my_program`, `gsutil` on local paths), for both runners. */
export const SHIMS: Record<string, string> = {
  // Prints its arguments and writes the --output_path file, unless one argument is skip-output.
  my_program: `#!/bin/sh
echo "my_program $*"
case " $* " in *' skip-output '*) exit 0 ;; esac
while [ $# -gt 0 ]; do
  case "$1" in
    --output_path) mkdir -p "$(dirname "$2")"; printf 'written by my_program' > "$2"; shift 2 ;;
    *) shift ;;
  esac
done
`,
  gsutil: `#!/bin/sh
set -e
case "$1" in
  cat) cat "$2" ;;
  cp) mkdir -p "$(dirname "$3")"; if [ "$2" = "-" ]; then cat > "$3"; else cp "$2" "$3"; fi ;;
  *) echo "gsutil shim: unsupported $*" >&2; exit 2 ;;
esac
`,
}

/** The corpus image: busybox plus the shims. */
export const CORPUS_IMAGE_SPEC = {tag: CORPUS_IMAGE, files: Object.fromEntries(Object.entries(SHIMS).map(([n, c]) => [`/bin/${n}`, {content: c, exec: true}]))}

/**
 * A folder for the process runner's PATH: the shims, and busybox as `sh` (the shell the images have: steps such
 * as pipeline_with_concat_placeholder use `[[ … ]]`, which the host's dash lacks).
 */
export function processShimDir(dir: string): string {
  const bin = path.join(dir, 'bin')
  mkdirSync(bin, {recursive: true})
  for (const [n, c] of Object.entries(SHIMS)) {
    writeFileSync(path.join(bin, n), c)
    chmodSync(path.join(bin, n), 0o755)
  }
  symlinkSync('/usr/bin/busybox', path.join(bin, 'sh'))
  return bin
}

/** The converted pipeline of a case. */
export function convertedSpec(c: Case): PipelineSpec {
  const file = path.join(fixturesDir, `${c.file}.yaml`)
  const spec = loadIrDocuments(readFileSync(file, 'utf8'), file)[0] as PipelineSpec
  return containerizePythonFunctions(spec, c.file.replace(/^sdk\/valid\//, ''))
}

/** Runs a case with the built CLI in `dir` on `runner`; returns what it saw. */
export async function runCase(c: Case, dir: string, runner: 'process' | 'docker', env: Record<string, string>): Promise<Outcome> {
  mkdirSync(dir, {recursive: true})
  const file = path.join(dir, 'pipeline.json')
  writeFileSync(file, JSON.stringify(convertedSpec(c)))
  c.setup?.(dir)
  const r = await runCli(['run', '--local', file, '--runner', runner, '--json', ...(c.args?.(dir) ?? [])], {cwd: dir, env})
  const run: RunRecord | undefined = r.json?.result?.run ?? r.json?.error?.data?.run
  if (!run) throw new Error(`${c.file} (${runner}): no run record (exit ${r.code})\n${r.stdout}\n${r.stderr}`)
  const task = (name: string) => {
    const t = run.tasks.find((x) => x.name === name || x.displayName === name)
    if (!t) throw new Error(`${c.file}: no task ${name} in ${run.tasks.map((x) => x.name).join(', ')}`)
    return t
  }
  return {
    code: r.code,
    stderr: r.stderr,
    run,
    dir,
    task,
    log: (name) => readFileSync(path.join(dir, '.kfp', 'runs', run.id, task(name).log ?? path.join('tasks', task(name).name, 'log.txt')), 'utf8'),
  }
}
