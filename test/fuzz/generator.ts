// The fuzz corpus of issue 11, generated from a fixed seed (same cases on every machine and every run): mutated
// kfp.yaml and component.yaml texts, parameter values, and kill times for runs. Each case says what it did, so a
// failure names the mutation that caused it.
export type Rng = () => number

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** One of `xs`, chosen by `r`. */
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]

/** Values that have broken parsers before: prototype names, references, YAML syntax, odd numbers and sizes. */
export const NASTY = [
  'null', '42', '{}', '[]', '~', "''", '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf',
  '${{ params.nope }}', '${{ steps.nope.outputs.x }}', '${{ params.__proto__ }}', 'pre-${{ params.startYear }}', '{{ params.x }}',
  '&a x', '*a', '*nope', '!!binary aGVsbG8=', '!!js/function x', '0x10', '1e400', '.inf', '-0', '1_000', 'true', 'yes', 'NaN',
  '"\\0"', '"\\u0000nul"', '\t', '{', ']', ': :', '- -', '"unterminated', 'x'.repeat(5000), '[' + '['.repeat(300) + ']'.repeat(301),
  '"${{ params.startYear }}${{ params.startYear }}"', '{type: integer, default: x}', '{type: list, default: {}}', '-1', '99999999999999999999',
]

export interface TextCase {
  what: string
  text: string
}

/** One mutation of `text`: a line dropped, doubled or re-indented, a value replaced, a cut, an insertion. */
export function mutateYaml(r: Rng, text: string): TextCase {
  const lines = text.split('\n')
  const i = Math.floor(r() * lines.length)
  switch (Math.floor(r() * 8)) {
    case 0:
      return {what: `drop line ${i + 1}`, text: lines.filter((_, j) => j !== i).join('\n')}
    case 1:
      return {what: `double line ${i + 1}`, text: [...lines.slice(0, i + 1), lines[i], ...lines.slice(i + 1)].join('\n')}
    case 2: {
      const v = pick(r, NASTY)
      const m = /^(\s*-?\s*[\w-]+:\s*)(.*)$/.exec(lines[i])
      if (!m) return {what: `append ${JSON.stringify(v)} to line ${i + 1}`, text: [...lines.slice(0, i), lines[i] + v, ...lines.slice(i + 1)].join('\n')}
      return {what: `value of line ${i + 1} := ${JSON.stringify(v.slice(0, 40))}`, text: [...lines.slice(0, i), m[1] + v, ...lines.slice(i + 1)].join('\n')}
    }
    case 3: {
      const cut = Math.floor(r() * text.length)
      return {what: `cut at ${cut}`, text: text.slice(0, cut)}
    }
    case 4: {
      const key = pick(r, ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'local', 'x-y', '9x'])
      const m = /^(\s*)([\w-]+):/.exec(lines[i])
      if (!m) return {what: 'unchanged', text}
      return {what: `key of line ${i + 1} := ${key}`, text: [...lines.slice(0, i), lines[i].replace(/^(\s*)([\w-]+):/, `$1${key}:`), ...lines.slice(i + 1)].join('\n')}
    }
    case 5: {
      const d = Math.floor(r() * 4)
      return {what: `indent line ${i + 1} by ${d}`, text: [...lines.slice(0, i), ' '.repeat(d) + lines[i], ...lines.slice(i + 1)].join('\n')}
    }
    case 6: {
      const bomb = ['x0: &x0 [a, a, a, a, a, a, a, a]', ...Array.from({length: 7}, (_, k) => `x${k + 1}: &x${k + 1} [${Array(8).fill(`*x${k}`).join(', ')}]`)]
      return {what: 'alias bomb at the top', text: bomb.join('\n') + '\n' + text}
    }
    default: {
      const bytes = pick(r, ['\u0000', '\uFFFD', '\u202E', '\r', '\t', '\uD800', '💥'])
      const at = Math.floor(r() * text.length)
      return {what: `insert U+${bytes.codePointAt(0)!.toString(16)} at ${at}`, text: text.slice(0, at) + bytes + text.slice(at)}
    }
  }
}

/** A parameter assignment as a user might type it: a real or made-up name, and a nasty or plain value. */
export function paramCase(r: Rng, names: string[]): {what: string; flag: string} {
  const name = r() < 0.6 ? pick(r, names) : pick(r, ['constructor', '__proto__', 'toString', 'nope', '', '=', 'a b'])
  const value = r() < 0.5 ? pick(r, NASTY) : pick(r, ['2001', '0.5', 'abc', '', '[1,2]', '{"a":1}', 'false', ' 7 ', '+3', '1e3'])
  const flag = r() < 0.05 ? name : `${name}=${value}`
  return {what: `--param ${flag.slice(0, 60)}`, flag}
}
