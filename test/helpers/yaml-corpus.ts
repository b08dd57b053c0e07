// The YAML files differential tests of YAML readers run on (test/core/yaml-plain.test.ts, yaml-fast.test.ts), and
// how they compare values.
import {existsSync, readdirSync, statSync} from 'node:fs'
import path from 'node:path'
import {repoRoot} from './cli.js'

/** Every `.yaml` / `.yml` file under `dir` (none when it is not there). */
export function yamlFiles(dir: string): string[] {
  const out: string[] = []
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p))
    else if (/\.ya?ml$/.test(name)) out.push(p)
  }
  return out
}

/** Every YAML file (under 2 MB) of test/fixtures, templates/ and ../shared/kfp-reference (when it is there). */
export const yamlCorpus = (): string[] =>
  [...yamlFiles(path.join(repoRoot, 'test', 'fixtures')), ...yamlFiles(path.join(repoRoot, 'templates')), ...yamlFiles(path.resolve(repoRoot, '..', 'shared', 'kfp-reference'))].filter((f) => statSync(f).size < 2_000_000)

/** A value with its structure spelled out: prototypes, own keys in order, enumerability, -0 and NaN, Map/Set/Date. */
export function shape(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'number' && (Object.is(v, -0) || Number.isNaN(v)) ? (Number.isNaN(v) ? 'NaN' : '-0') : v
  if (Array.isArray(v)) return ['array', ...v.map(shape)]
  const proto = Object.getPrototypeOf(v)
  if (proto !== Object.prototype) return ['class', proto?.constructor?.name, String(v)]
  return ['object', ...Reflect.ownKeys(v).map((k) => [String(k), Object.getOwnPropertyDescriptor(v, k)?.enumerable, shape((v as Record<string | symbol, unknown>)[k])])]
}
