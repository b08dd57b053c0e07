/**
 * Project objects built directly (no loader) for the compiler tests: small builders, the projects equivalent to the
 * SDK golden files in test/fixtures/ir/, and one project that uses every feature.
 */
import type {Component, ComponentIO, PipelineParam, Project, Step} from '../../../src/core/project/types.js'

export function io(name: string, type?: string, extra: Partial<ComponentIO> = {}): ComponentIO {
  const paramTypes: Record<string, ComponentIO['paramType']> = {
    string: 'string',
    integer: 'integer',
    float: 'float',
    boolean: 'boolean',
    jsonarray: 'list',
    jsonobject: 'struct',
  }
  const paramType = type ? paramTypes[type.toLowerCase()] : undefined
  return {name, type, kind: paramType ? 'parameter' : 'artifact', ...(paramType ? {paramType} : {}), ...extra}
}

export function component(name: string, extra: Partial<Component> = {}): Component {
  return {
    name,
    dir: `components/${name}`,
    inputs: [],
    outputs: [],
    image: `example.com/${name}:1`,
    command: [],
    args: [],
    env: {},
    fileOutputs: {},
    hasDockerfile: false,
    ...extra,
  }
}

export function step(number: number, name: string, extra: Partial<Step> = {}): Step {
  return {number, name, component: name, inputs: {}, cache: true, retries: 0, env: {}, after: [], fileOutputs: {}, ...extra}
}

export function project(name: string, parts: {params?: PipelineParam[]; steps: Step[]; components: Component[]; description?: string; registry?: string}): Project {
  return {
    root: '/tmp/project',
    file: '/tmp/project/kfp.yaml',
    name,
    description: parts.description,
    registry: parts.registry,
    params: parts.params ?? [],
    steps: parts.steps,
    components: Object.fromEntries(parts.components.map((c) => [c.name, c])),
    targets: {local: {name: 'local', type: 'local'}},
    defaultTarget: 'local',
  }
}

const UBI = 'registry.access.redhat.com/ubi9/python-311:latest'

/** The pipeline of ir-golden/producer_consumer_param_pipeline.yaml, written as a kfp project. */
export function producerConsumerProject(): Project {
  return project('producer-consumer-param-pipeline', {
    params: [{name: 'text', type: 'string', default: 'Hello world'}],
    components: [
      component('producer', {
        image: UBI,
        inputs: [io('input_text', 'String')],
        outputs: [io('output_value', 'String')],
        command: [
          'sh',
          '-c',
          'set -e -x\nmkdir -p "$(dirname "$1")"\necho "$0, this is an output parameter" > "$1"\n',
          {inputValue: 'input_text'},
          {outputPath: 'output_value'},
        ],
      }),
      component('consumer', {
        image: UBI,
        inputs: [io('input_value', 'String')],
        command: ['sh', '-c', 'set -e -x\necho "Read from an input parameter: " && echo "$0"\n', {inputValue: 'input_value'}],
      }),
    ],
    steps: [
      step(1, 'producer', {inputs: {input_text: {kind: 'param', param: 'text'}}}),
      step(2, 'consumer', {inputs: {input_value: {kind: 'output', step: 'producer', output: 'output_value'}}}),
    ],
  })
}

/** The pipeline of ir-golden/two_step_pipeline.yaml (artifact passing), written as a kfp project. */
export function twoStepProject(): Project {
  return project('simple-two-step-pipeline', {
    params: [{name: 'text', type: 'string', default: 'Hello KFP!'}],
    components: [
      component('write-to-gcs', {
        image: 'google/cloud-sdk:slim',
        inputs: [io('text', 'String')],
        outputs: [io('output_gcs_path', 'Artifact')],
        command: ['sh', '-c', 'set -e -x\necho "$0" | gsutil cp - "$1"\n', {inputValue: 'text'}, {outputPath: 'output_gcs_path'}],
      }),
      component('read-from-gcs', {
        image: 'google/cloud-sdk:slim',
        inputs: [io('input_gcs_path', 'Artifact')],
        command: ['sh', '-c', 'set -e -x\ngsutil cat "$0"\n', {inputPath: 'input_gcs_path'}],
      }),
    ],
    steps: [
      step(1, 'write-to-gcs', {inputs: {text: {kind: 'param', param: 'text'}}}),
      step(2, 'read-from-gcs', {inputs: {input_gcs_path: {kind: 'output', step: 'write-to-gcs', output: 'output_gcs_path'}}}),
    ],
  })
}

/** The pipeline of ir-golden/pipeline_with_resource_spec.yaml (typed artifacts, resources, accelerator). */
export function resourceSpecProject(): Project {
  return project('two-step-pipeline-with-resource-spec', {
    description: 'A linear two-step pipeline with resource specification.',
    params: [
      {name: 'input_location', type: 'string', default: 'gs://test-bucket/pipeline_root'},
      {name: 'optimizer', type: 'string', default: 'sgd'},
      {name: 'n_epochs', type: 'integer', default: 200},
    ],
    components: [
      component('ingestion', {
        image: 'gcr.io/my-project/my-ingestor',
        inputs: [io('input_location', 'String')],
        outputs: [io('examples', 'Dataset')],
        args: ['--input-location', {inputValue: 'input_location'}, '--output-examples', {outputPath: 'examples'}],
      }),
      component('trainer', {
        image: 'gcr.io/my-project/my-fancy-trainer',
        inputs: [io('examples', 'Dataset'), io('optimizer', 'String'), io('n_epochs', 'Integer')],
        outputs: [io('model', 'Model')],
        args: [
          '--input-examples',
          {inputPath: 'examples'},
          '--optimizer',
          {inputValue: 'optimizer'},
          '--n_epochs',
          {inputValue: 'n_epochs'},
          '--output-model',
          {outputPath: 'model'},
        ],
      }),
    ],
    steps: [
      step(1, 'ingestion', {inputs: {input_location: {kind: 'param', param: 'input_location'}}}),
      step(2, 'trainer', {
        inputs: {
          examples: {kind: 'output', step: 'ingestion', output: 'examples'},
          optimizer: {kind: 'param', param: 'optimizer'},
          n_epochs: {kind: 'param', param: 'n_epochs'},
        },
        resources: {cpuRequest: '2', cpuLimit: '4', memoryRequest: '4Gi', memoryLimit: '14Gi', accelerator: {type: 'tpu-v3', count: 1}},
      }),
    ],
  })
}

/** A project that uses every feature of kfp.yaml the compiler handles. */
export function everythingProject(): Project {
  return project('everything', {
    description: 'Every feature at once.\nSecond line.',
    registry: 'localhost:5000',
    params: [
      {name: 'project', type: 'string', default: 'my-project', description: 'GCP project'},
      {name: 'bucket', type: 'string'},
      {name: 'startYear', type: 'integer', default: 2000},
      {name: 'rate', type: 'float', default: 0.25},
      {name: 'dryRun', type: 'boolean', default: false},
      {name: 'years', type: 'list', default: [2000, 2001]},
      {name: 'config', type: 'struct', default: {depth: 3, name: 'mlp'}},
    ],
    components: [
      component('preprocess', {
        hasDockerfile: true,
        inputs: [
          io('project', 'String'),
          io('start_year', 'Integer', {default: '2000'}),
          io('rate', 'Float'),
          io('dry_run', 'Boolean', {optional: true}),
          io('years', 'JsonArray'),
          io('config', 'JsonObject'),
          io('prefix', 'String', {optional: true}),
        ],
        outputs: [io('bucket', 'String'), io('data', undefined)],
        command: ['python3', 'main.py'],
        args: [
          '--project',
          {inputValue: 'project'},
          {concat: ['--start-year=', {inputValue: 'start_year'}]},
          {if: {cond: {isPresent: 'prefix'}, then: ['--prefix', {inputValue: 'prefix'}], else: ['--no-prefix']}},
          {if: {cond: {isPresent: 'dry_run'}, then: ['--dry-run', {inputValue: 'dry_run'}]}},
          '--rate',
          {inputValue: 'rate'},
          '--years',
          {inputValue: 'years'},
          '--config',
          {inputValue: 'config'},
          '--bucket-out',
          {outputPath: 'bucket'},
          '--data-out',
          {outputPath: 'data'},
        ],
        env: {LOG_LEVEL: 'info', MODE: 'local'},
      }),
      component('train', {
        inputs: [io('bucket', 'String'), io('data', undefined), io('label', 'String')],
        outputs: [io('model', 'Model')],
        command: ['python3', 'train.py', '--data', {inputPath: 'data'}, '--label', {inputValue: 'label'}, '--model', {outputPath: 'model'}],
      }),
      component('tutorial', {
        image: 'gcr.io/my-project/tutorial:v1',
        inputs: [io('bucket', 'String')],
        outputs: [io('jobname', 'String')],
        command: ['bash', './run.sh', 'arg with "quotes" and $dollar'],
        args: [{inputValue: 'bucket'}],
        fileOutputs: {jobname: '/output.txt'},
      }),
      component('deploy', {
        inputs: [io('model', 'Model'), io('jobname', 'String'), io('version', 'String', {default: 'v1'})],
        command: ['sh', '-c', 'echo "$0" "$1"', {inputPath: 'model'}, {inputValue: 'version'}],
      }),
    ],
    steps: [
      step(1, 'preprocess', {
        inputs: {
          project: {kind: 'param', param: 'project'},
          start_year: {kind: 'param', param: 'startYear'},
          rate: {kind: 'param', param: 'rate'},
          years: {kind: 'param', param: 'years'},
          config: {kind: 'param', param: 'config'},
          prefix: {kind: 'template', parts: [{text: 'gs://'}, {param: 'bucket'}, {text: '/'}, {param: 'project'}]},
        },
        env: {MODE: 'cluster', EXTRA: 'yes'},
      }),
      step(2, 'train', {
        inputs: {
          bucket: {kind: 'output', step: 'preprocess', output: 'bucket'},
          data: {kind: 'output', step: 'preprocess', output: 'data'},
          label: {kind: 'literal', value: 'weight_pounds'},
        },
        resources: {cpuRequest: '500m', cpuLimit: '1', memoryRequest: '2G', memoryLimit: '14Gi', accelerator: {type: 'nvidia-tesla-t4', count: 2}},
        retries: 3,
        cache: false,
      }),
      step(3, 'tutorial', {
        inputs: {bucket: {kind: 'template', parts: [{step: 'preprocess', output: 'bucket'}, {text: '/tutorial'}]}},
        fileOutputs: {jobname: '/output.txt'},
      }),
      step(4, 'deploy', {
        inputs: {
          model: {kind: 'output', step: 'train', output: 'model'},
          jobname: {kind: 'output', step: 'tutorial', output: 'jobname'},
        },
        after: ['preprocess'],
      }),
    ],
  })
}
