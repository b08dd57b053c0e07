/**
 * JSON Schemas of `kfp.yaml` and of `components/<name>/component.yaml`.
 * These objects are the source of truth; `schema/kfp.schema.json` and `schema/component.schema.json` (shipped in the
 * package, for editors) are written from them by `UPDATE_SCHEMAS=1 node --import tsx test/core/project/schema.test.ts`,
 * and that test fails when they differ. The schemas check shape and types; rules that need the whole project (references,
 * cycles, names, quantities, types of bindings) are checked in code with better messages (see validate.ts).
 */

const stringOrNumber = {type: ['string', 'number']}

const quantities = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cpu: {...stringOrNumber, description: "CPU: a number of cores (1, 0.5) or millicores ('500m')."},
    memory: {...stringOrNumber, description: 'Memory with a unit: 512M, 2G, 2Gi.'},
  },
}

const control = {
  forEach: {
    type: ['string', 'array'],
    description:
      'A loop (dsl.ParallelFor): one iteration per item of ${{ params.LIST }}, a literal list [a, b], or ${{ steps.S.outputs.LIST }}. ' +
      'Inside, ${{ item }} (or ${{ item.FIELD }}) is the item; outside, a step output of the loop is the list of every iteration\'s value.',
  },
  parallelism: {type: 'integer', minimum: 1, description: 'At most this many iterations at once (default: no limit).'},
  when: {
    type: 'string',
    description:
      "Runs only when true (dsl.If): comparisons (== != < <= > >=) of references and literals, with and, or, not and parentheses, e.g. ${{ steps.eval.outputs.rmse }} < ${{ params.maxRmse }}. Otherwise recorded as skipped.",
  },
  finally: {
    type: 'boolean',
    description: 'The exit handler (dsl.ExitHandler): runs after every other step, whatever happened; ${{ run.status }} is the run\'s status. At most one per pipeline, at the top level.',
  },
}

/** JSON Schema (draft-07) of kfp.yaml. */
export const kfpProjectSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://github.com/kfp-cli/kfp/schema/kfp.schema.json',
  title: 'kfp.yaml',
  description:
    'A Kubeflow Pipelines pipeline in one file. Steps are numbered by their position (1-based, used by --start-step); ' +
    'they run in the order their data dependencies and `after` impose, so a step may use the output of a later-listed ' +
    'step as long as there is no cycle.',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'steps'],
  properties: {
    name: {type: 'string', description: "Pipeline name: lowercase letters, digits and '-', at most 63 characters."},
    description: {type: 'string'},
    registry: {type: 'string', description: 'Image registry prefix, e.g. gcr.io/my-project or localhost:5000.'},
    images: {
      type: 'object',
      description: 'Per-component image repository overriding <registry>/<name>-<component>, e.g. {preprocess: gcr.io/other/prep}. No tag: kfp build tags by content hash.',
      additionalProperties: {type: 'string', pattern: '^[a-z0-9]([a-z0-9._:-]*[a-z0-9])?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$'},
    },
    gcp: {
      type: 'object',
      additionalProperties: false,
      properties: {
        project: {type: 'string'},
        region: {type: 'string'},
        zone: {type: 'string'},
        bucket: {type: 'string'},
      },
    },
    pipelineRoot: {type: 'string', description: 'Where artifacts go, e.g. gs://my-bucket/pipeline-root.'},
    params: {
      type: ['object', 'null'],
      description: 'Pipeline parameters. Short form `startYear: 2000` infers the type from the value.',
      additionalProperties: {$ref: '#/definitions/param'},
    },
    steps: {
      type: ['array', 'null'],
      description: 'Steps and groups in order; step numbers run depth-first through groups (a group has no number).',
      items: {$ref: '#/definitions/stepOrGroup'},
    },
    targets: {
      type: ['object', 'null'],
      description: 'Where runs go. `local` (the embedded engine) always exists.',
      additionalProperties: {$ref: '#/definitions/target'},
    },
    defaultTarget: {type: 'string', description: 'Target used when --target is not given (default: local).'},
  },
  definitions: {
    paramType: {enum: ['string', 'integer', 'float', 'boolean', 'list', 'struct']},
    stepOrGroup: {
      if: {type: 'object', required: ['group']},
      then: {$ref: '#/definitions/group'},
      else: {$ref: '#/definitions/step'},
    },
    group: {
      type: 'object',
      additionalProperties: false,
      required: ['group', 'steps'],
      description: 'Several steps under one loop and/or condition (or the finally: part). A group has no step number.',
      properties: {
        group: {type: 'string', description: "Group name: lowercase letters, digits and '-', unique among steps and groups."},
        description: {type: 'string'},
        steps: {type: ['array', 'null'], items: {$ref: '#/definitions/stepOrGroup'}},
        ...control,
      },
    },
    param: {
      description:
        'Long form {type, default, description} (an object with any of these keys), or a default value whose type is inferred.',
      if: {
        type: 'object',
        anyOf: [{required: ['type']}, {required: ['default']}, {required: ['description']}],
      },
      then: {
        type: 'object',
        additionalProperties: false,
        properties: {
          type: {$ref: '#/definitions/paramType'},
          default: {},
          description: {type: 'string'},
        },
      },
    },
    step: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: {type: 'string', description: "Step name: lowercase letters, digits and '-', unique."},
        component: {type: 'string', description: 'Folder under components/ (default: the step name).'},
        description: {type: 'string'},
        inputs: {
          type: ['object', 'null'],
          description:
            'Component input → a literal, ${{ params.NAME }}, ${{ steps.STEP.outputs.OUTPUT }}, ${{ item }} (in a loop), ${{ run.status }} (in the finally step), text mixing them, or {import: URI, type: Dataset, reimport: false} for an existing artifact.',
        },
        ...control,
        resources: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...quantities.properties,
            limits: quantities,
            accelerator: {
              type: 'object',
              additionalProperties: false,
              required: ['type'],
              properties: {type: {type: 'string'}, count: {type: 'integer', minimum: 1}},
            },
          },
        },
        cache: {type: 'boolean', description: 'Reuse cached results (default true).'},
        retries: {type: 'integer', minimum: 0, description: 'Retry count (default 0).'},
        env: {type: ['object', 'null'], additionalProperties: {type: ['string', 'number', 'boolean']}},
        after: {
          type: ['array', 'string'],
          items: {type: 'string'},
          description: 'Steps that must finish first, on top of data dependencies.',
        },
        fileOutputs: {
          type: ['object', 'null'],
          additionalProperties: {type: 'string'},
          description: 'Tutorial-style outputs: output name → fixed file path the program writes the value to.',
        },
      },
    },
    target: {
      type: 'object',
      required: ['type'],
      properties: {
        type: {enum: ['local', 'kfp']},
        runner: {
          enum: ['auto', 'docker', 'process'],
          description: 'Local targets: how steps run (kfp run --runner; the flag and KFP_RUNNER win). docker: every step in Docker, refusing to start when an image kfp build makes is missing.',
        },
      },
    },
  },
} as const

const placeholder = {
  description: 'A string, or a placeholder: {inputValue}, {inputPath}, {outputPath}, {concat}, {if}.',
  type: ['string', 'number', 'boolean', 'object'],
}

const io = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: {type: 'string'},
    type: {},
    description: {type: 'string'},
    default: {},
    optional: {type: 'boolean'},
    annotations: {type: 'object'},
  },
}

/** JSON Schema (draft-07) of a component.yaml: KFP's v1 component format, container implementation, plus `fileOutputs`. */
export const componentSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://github.com/kfp-cli/kfp/schema/component.schema.json',
  title: 'component.yaml',
  description: "A KFP v1 component (loadable by the Python SDK) with kfp's `fileOutputs` extension.",
  type: 'object',
  additionalProperties: false,
  required: ['implementation'],
  properties: {
    name: {type: 'string'},
    description: {type: 'string'},
    metadata: {type: 'object'},
    inputs: {type: ['array', 'null'], items: io},
    outputs: {type: ['array', 'null'], items: io},
    fileOutputs: {type: ['object', 'null'], additionalProperties: {type: 'string'}},
    implementation: {
      type: 'object',
      additionalProperties: false,
      required: ['container'],
      properties: {
        container: {
          type: 'object',
          additionalProperties: false,
          required: ['image'],
          properties: {
            image: {type: 'string'},
            command: {type: ['array', 'null'], items: placeholder},
            args: {type: ['array', 'null'], items: placeholder},
            env: {type: ['object', 'null'], additionalProperties: {type: ['string', 'number', 'boolean']}},
            fileOutputs: {type: ['object', 'null'], additionalProperties: {type: 'string'}},
          },
        },
      },
    },
  },
} as const
