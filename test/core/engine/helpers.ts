import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parse} from 'yaml'
import type {PipelineSpec} from '../../../src/core/ir/types.js'

const here = path.dirname(fileURLToPath(import.meta.url))
export const fixturesDir = path.resolve(here, '..', '..', 'fixtures', 'ir')

/** Loads an IR fixture: `name` under test/fixtures/ir/ (e.g. 'hello_world' or 'engine/diamond'). */
export function loadIr(name: string): PipelineSpec {
  return parse(readFileSync(path.join(fixturesDir, `${name}.yaml`), 'utf8')) as PipelineSpec
}
