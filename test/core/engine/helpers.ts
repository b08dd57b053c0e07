import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parse} from 'yaml'
import type {RunRecord} from '../../../src/core/engine/record.js'
import type {PipelineSpec} from '../../../src/core/ir/types.js'

const here = path.dirname(fileURLToPath(import.meta.url))
export const fixturesDir = path.resolve(here, '..', '..', 'fixtures', 'ir')

/** Loads an IR fixture: `name` under test/fixtures/ir/ (e.g. 'hello_world' or 'engine/diamond'). */
export function loadIr(name: string): PipelineSpec {
  return parse(readFileSync(path.join(fixturesDir, `${name}.yaml`), 'utf8')) as PipelineSpec
}

/** A finished local run record with `id`, `parameters` and `tasks`; the rest fixed. */
export function runRecord(id: string, parameters: Record<string, unknown>, tasks: RunRecord['tasks'], pipelineName = 'p'): RunRecord {
  return {
    version: 1,
    id,
    name: `run-${id}`,
    experiment: 'Default',
    pipelineName,
    status: 'succeeded',
    createdAt: '2025-01-01T00:00:00Z',
    pid: 1,
    runner: 'process',
    source: {kind: 'ir', file: '/x.yaml'},
    parameters: parameters as RunRecord['parameters'],
    explicitParameters: {},
    spec: 'pipeline.json',
    pipelineRoot: '/root',
    tasks,
  }
}
